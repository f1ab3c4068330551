"""The proposal pages: editor, ROI form, presenting, print and Word download, objections,
the library and the template upload; an outsider meets 404 everywhere."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from salesop.activities.models import Activity
from salesop.core.testing import docx_with, make_account, make_deal
from salesop.deals.models import (
    DealObjection,
    Need,
    ObjectionEntry,
    Proposal,
    ProposalTemplate,
)
from salesop.deals.proposals.services import (
    RowInput,
    proposal_create,
    proposal_roi_set,
    value_rows_add,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client, org):
    client.force_login(org.rep)
    return client


def _proposal(org, deal=None):
    deal = deal or make_deal(org.rep, make_account(org.rep, industry="物流"))
    proposal = proposal_create(deal=deal, by=org.rep, title="WMS 方案")
    value_rows_add(
        proposal=proposal,
        by=org.rep,
        rows=[
            RowInput(
                pain="旺季爆仓",
                solution="智能排班",
                value="人工成本每年节省",
                amount=Decimal("360000"),
            )
        ],
    )
    return proposal


def _url(proposal, suffix=""):
    return f"/deals/{proposal.deal_id}/proposals/{proposal.pk}/{suffix}"


def test_deal_page_links_to_proposals(rep, org):
    deal = make_deal(org.rep)
    html = rep.get(f"/deals/{deal.pk}/").content.decode()
    assert f"/deals/{deal.pk}/proposals/" in html


def test_start_a_proposal_and_add_a_row_with_a_need(rep, org):
    deal = make_deal(org.rep)
    need = Need.objects.create(deal=deal, kind="hidden_pain", layer="deep", summary="旺季爆仓")
    response = rep.post(f"/deals/{deal.pk}/proposals/new/", {"title": "方案", "audience": "full"})
    proposal = Proposal.objects.get(deal=deal)
    assert response.status_code == 302 and response["Location"] == _url(proposal)
    page = rep.get(_url(proposal)).content.decode()
    assert "旺季爆仓" in page  # offered in the need picker
    added = rep.post(
        _url(proposal, "rows/"),
        {
            "need": need.pk,
            "pain": "爆仓",
            "solution": "排班",
            "value": "周转天数减少",
            "amount": "12",
            "unit": "天",
        },
    )
    assert added.status_code == 302
    assert proposal.rows.get().need == need


def test_roi_form_with_zero_investment_answers_the_reason(rep, org):
    proposal = _proposal(org)
    response = rep.post(
        _url(proposal, "roi/"),
        {
            "investment": "0",
            "currency": "CNY",
            "horizon_years": "3",
            "benefit_label_0": "人工",
            "benefit_amount_0": "360000",
        },
    )
    assert response.status_code == 422
    assert "more than zero" in response.content.decode() or "大于" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.roi_investment is None


def test_roi_form_saves_and_shows_the_figures(rep, org):
    proposal = _proposal(org)
    rep.post(
        _url(proposal, "roi/"),
        {
            "investment": "480000",
            "currency": "CNY",
            "horizon_years": "3",
            "benefit_label_0": "人工",
            "benefit_amount_0": "360000",
        },
    )
    html = rep.get(_url(proposal)).content.decode()
    assert 'data-testid="roi-figures"' in html and "16.0" in html and "125.0%" in html


def test_present_from_the_page_logs_the_duration(rep, org):
    proposal = _proposal(org)
    refused = rep.post(_url(proposal, "present/"), {"duration_minutes": "0", "outcome": "positive"})
    assert refused.status_code == 422 and not Activity.objects.exists()
    rep.post(_url(proposal, "present/"), {"duration_minutes": "55", "outcome": "positive"})
    assert Activity.objects.get().duration_minutes == 55
    proposal.refresh_from_db()
    assert proposal.status == "delivered"


def test_print_page_has_no_navigation_and_follows_the_audience(rep, org):
    proposal = _proposal(org)
    html = rep.get(_url(proposal, "print/")).content.decode()
    assert "旺季爆仓" in html and "智能排班" in html and "navbar" not in html
    assert "proposal-print.css" in html
    executive = rep.get(_url(proposal, "print/") + "?audience=executive").content.decode()
    assert "人工成本每年节省" in executive and "智能排班" not in executive


def test_docx_download_opens_with_python_docx(rep, org):
    proposal = _proposal(org)
    response = rep.get(_url(proposal, "docx/"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document = Document(io.BytesIO(response.content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "人工成本每年节省" in cells and "¥360,000.00" in cells


def test_objections_raised_and_resolved_from_the_page(rep, org):
    proposal = _proposal(org)
    entry = ObjectionEntry.objects.create(
        category="implementation_time",
        industry="物流",
        objection="实施周期太长",
        acknowledge="旺季前上线确实重要",
        answer="分阶段上线,先上核心仓",
        evidence="某物流客户 6 周上线",
    )
    ObjectionEntry.objects.create(
        category="price", industry="医药", objection="别的行业", acknowledge="a", answer="b"
    )
    html = rep.get(_url(proposal)).content.decode()
    assert "分阶段上线,先上核心仓" in html and "别的行业" not in html  # anticipated for 物流
    rep.post(
        f"/deals/{proposal.deal_id}/objections/",
        {"entry": entry.pk, "customer_words": "旺季前上不了线", "proposal": proposal.pk},
    )
    objection = DealObjection.objects.get()
    assert objection.category == "implementation_time" and objection.entry == entry
    resolved = rep.post(
        f"/deals/{proposal.deal_id}/objections/{objection.pk}/resolve/",
        {"answer_used": "分阶段上线", "proposal": proposal.pk},
    )
    assert resolved["Location"] == _url(proposal)
    objection.refresh_from_db()
    assert objection.resolved and objection.answer_used == "分阶段上线"


def test_library_page_is_readable_by_reps(rep, org):
    ObjectionEntry.objects.create(category="price", objection="太贵", acknowledge="a", answer="b")
    response = rep.get("/deals/objections/?category=price")
    assert response.status_code == 200 and "太贵" in response.content.decode()


def test_template_upload_page_names_missing_placeholders(client, org):
    client.force_login(org.ops)
    upload = SimpleUploadedFile("ours.docx", docx_with("{{ customer }}"))
    response = client.post("/deals/proposal-templates/", {"file": upload})
    assert response.status_code == 422
    html = response.content.decode()
    assert "deal, version, rows, roi" in html and not ProposalTemplate.objects.exists()
    good = docx_with(
        "{{ customer }} {{ deal }} {{ version }} {{ roi.roi_pct }}", "{{ rows|length }}"
    )
    client.post("/deals/proposal-templates/", {"file": SimpleUploadedFile("ok.docx", good)})
    assert ProposalTemplate.objects.get().active
    assert client.get("/deals/proposal-templates/current.docx").content == good


def test_a_template_failing_on_a_real_proposal_says_so_on_download(client, rep, org):
    # It renders the sample customer; on a real one it raises: the download answered 500.
    proposal = _proposal(org)
    client.force_login(org.ops)
    failing = docx_with(
        "{{ customer }} {{ deal }} {{ version }} {{ roi.roi_pct }} {{ rows|length }}",
        "{% if customer != 'Sample Co.' %}{{ 1 // 0 }}{% endif %}",
    )
    client.post("/deals/proposal-templates/", {"file": SimpleUploadedFile("f.docx", failing)})
    assert ProposalTemplate.objects.get().active
    page = rep.get(_url(proposal, "docx/"), follow=True)
    assert page.status_code == 200 and "无法生成文档" in page.content.decode()
    api = rep.get(f"/api/v1/proposals/{proposal.pk}/docx")
    assert api.status_code == 422 and "无法生成文档" in api.json()["detail"]


def test_template_page_is_for_sales_ops(rep):
    assert rep.get("/deals/proposal-templates/").status_code == 404


def test_outsider_gets_404_on_every_proposal_page(client, org):
    proposal = _proposal(org)
    objection = DealObjection.objects.create(
        deal=proposal.deal, category="price", customer_words="x"
    )
    row = proposal.rows.get()
    client.force_login(org.outsider)
    deal_id = proposal.deal_id
    gets = [
        f"/deals/{deal_id}/proposals/",
        _url(proposal),
        _url(proposal, "print/"),
        _url(proposal, "docx/"),
    ]
    posts = [
        f"/deals/{deal_id}/proposals/new/",
        _url(proposal, "edit/"),
        _url(proposal, "rows/"),
        _url(proposal, f"rows/{row.pk}/delete/"),
        _url(proposal, "roi/"),
        _url(proposal, "present/"),
        _url(proposal, "versions/"),
        f"/deals/{deal_id}/objections/",
        f"/deals/{deal_id}/objections/{objection.pk}/resolve/",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"duration_minutes": "5", "answer_used": "x"}).status_code == 404
    assert Proposal.objects.count() == 1 and proposal.rows.exists()
    assert not DealObjection.objects.get().resolved


def test_proposal_page_query_count_is_pinned(rep, org, django_assert_num_queries):
    proposal = _proposal(org)
    proposal_roi_set(
        proposal=proposal,
        by=org.rep,
        investment=Decimal("100"),
        benefits=[{"label": "x", "amount": "50"}],
    )
    for i in range(3):
        Need.objects.create(deal=proposal.deal, kind="feature", layer="surface", summary=f"n{i}")
        ObjectionEntry.objects.create(
            category="price", objection=f"o{i}", acknowledge="a", answer="b"
        )
        DealObjection.objects.create(deal=proposal.deal, category="price", customer_words="x")
    rep.get(_url(proposal))  # warm the session and the playbook cache
    # session, user, roles, deal, proposal, stakeholder roles, rows, needs, versions,
    # objections raised in the industry, library answers, deal objections, related cases,
    # unread count
    with django_assert_num_queries(14):
        assert rep.get(_url(proposal)).status_code == 200


def test_proposal_list_and_library_query_counts_are_pinned(rep, org, django_assert_num_queries):
    proposal = _proposal(org)
    for i in range(3):
        proposal_create(deal=proposal.deal, by=org.rep)
        ObjectionEntry.objects.create(
            category="price", objection=f"o{i}", acknowledge="a", answer="b"
        )
        DealObjection.objects.create(deal=proposal.deal, category="price", customer_words="x")
    rep.get(f"/deals/{proposal.deal_id}/proposals/")  # warm the session
    # session, user, roles, deal, stakeholder roles, industry counts, library answers,
    # versions with their row counts, deal objections, unread count
    with django_assert_num_queries(10):
        assert rep.get(f"/deals/{proposal.deal_id}/proposals/").status_code == 200
    # session, user, roles, library answers, related cases, unread count
    with django_assert_num_queries(6):
        assert rep.get("/deals/objections/").status_code == 200


def test_roi_form_marks_the_benefit_line_the_user_filled(rep, org):
    proposal = _proposal(org)
    response = rep.post(
        _url(proposal, "roi/"),
        {
            "investment": "100",
            "currency": "CNY",
            "horizon_years": "3",
            "benefit_label_2": "人工",  # the third line on the form, the first filled
        },
    )
    assert response.status_code == 422
    form = response.context["roi_form"]
    assert form.errors.keys() == {"benefit_amount_2"}
