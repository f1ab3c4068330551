"""Proposals: pain -> solution -> quantified value rows, the ROI calculator, versions, Word
export and templates, presenting, the `proposal.delivered` criterion, and who sees what."""

import io
from decimal import Decimal

import pytest
from docx import Document

from salesop.activities.models import Activity
from salesop.core.errors import DomainError
from salesop.core.testing import docx_with, engage, make_deal, tick_stage
from salesop.deals.models import Need, Proposal, ProposalTemplate, Stakeholder, ValueRow
from salesop.deals.proposals.roi import BenefitLine, roi_figures, suggested_audience
from salesop.deals.proposals.selectors import proposal_page
from salesop.deals.proposals.services import (
    RowInput,
    proposal_create,
    proposal_docx,
    proposal_present,
    proposal_roi_set,
    proposal_template_upload,
    value_rows_add,
    value_rows_replace,
)
from salesop.deals.services import GateRefused, deal_move
from salesop.playbook.registry import CRITERIA

pytestmark = pytest.mark.django_db

ROWS = [
    RowInput(
        pain="旺季订单激增,人工排班跟不上",
        solution="智能排班按订单波峰自动分配拣货任务",
        value="仓库人工成本每年节省",
        amount=Decimal("360000"),
    ),
    RowInput(
        pain="库存周转慢",
        solution="库位优化与补货建议",
        value="库存周转天数减少 12 天",
        amount=Decimal("12"),
        unit="天",
    ),
]


def _proposal(org, deal=None, rows=ROWS):
    deal = deal or make_deal(org.rep)
    proposal = proposal_create(deal=deal, by=org.rep, title="WMS 升级方案")
    value_rows_add(proposal=proposal, by=org.rep, rows=rows)
    return proposal


def _roi(proposal, by, investment="480000", benefits=None):
    return proposal_roi_set(
        proposal=proposal,
        by=by,
        investment=Decimal(investment) if investment is not None else None,
        benefits=benefits
        if benefits is not None
        else [
            {"label": "人工成本 labour", "amount": "360000"},
            {"label": "库存资金占用 inventory", "amount": "120000"},
        ],
    )


# --- ROI math ------------------------------------------------------------------------------------


def test_roi_payback_and_three_year_roi():
    figures = roi_figures(
        Decimal("480000"),
        [BenefitLine("labour", Decimal("360000")), BenefitLine("stock", Decimal("120000"))],
    )
    assert figures.yearly_benefit == Decimal("480000")
    assert figures.payback_months == Decimal("12.0")
    assert figures.roi_pct == Decimal("200.0")  # (3 x 480k - 480k) / 480k
    assert figures.message == ""


def test_roi_with_zero_investment_says_why_instead_of_dividing():
    figures = roi_figures(Decimal("0"), [BenefitLine("labour", Decimal("1000"))])
    assert figures.payback_months is None and figures.roi_pct is None
    assert "投资额" in figures.message


def test_roi_with_no_benefit_never_pays_back():
    figures = roi_figures(Decimal("1000"), [BenefitLine("nothing", Decimal("0"))])
    assert figures.payback_months is None
    assert figures.roi_pct == Decimal("-100.0")
    assert figures.message


def test_roi_set_refuses_zero_investment_naming_the_field_and_keeps_inputs(org):
    proposal = _proposal(org)
    _roi(proposal, org.rep)
    with pytest.raises(DomainError) as refused:
        _roi(proposal, org.rep, investment="0")
    assert "roi.investment" in refused.value.fields
    proposal.refresh_from_db()
    assert proposal.roi_investment == Decimal("480000")


def test_roi_set_names_the_bad_benefit_line(org):
    proposal = _proposal(org)
    with pytest.raises(DomainError) as refused:
        _roi(proposal, org.rep, benefits=[{"label": "ok", "amount": "1"}, {"label": "x"}])
    assert "roi.benefits[1].amount" in refused.value.fields


def test_roi_inputs_are_saved_and_recomputed(org):
    proposal = _proposal(org)
    figures = _roi(proposal, org.rep)
    assert figures.payback_months == Decimal("12.0")
    page = proposal_page(Proposal.objects.get(pk=proposal.pk))
    assert page.figures.roi_pct == Decimal("200.0")


# --- rows, versions ------------------------------------------------------------------------------


def test_rows_link_to_recorded_needs_of_the_deal_only(org):
    deal = make_deal(org.rep)
    need = Need.objects.create(deal=deal, kind="hidden_pain", layer="deep", summary="旺季爆仓")
    other = Need.objects.create(
        deal=make_deal(org.teammate), kind="feature", layer="surface", summary="x"
    )
    proposal = proposal_create(deal=deal, by=org.rep)
    row = RowInput(pain="p", solution="s", value="v", need_id=need.pk)
    value_rows_add(proposal=proposal, by=org.rep, rows=[row])
    assert proposal.rows.get().need == need
    with pytest.raises(DomainError) as refused:
        value_rows_add(
            proposal=proposal,
            by=org.rep,
            rows=[RowInput(pain="p", solution="s", value="v", need_id=other.pk)],
        )
    assert "rows[0].need_id" in refused.value.fields


def test_a_bad_row_refuses_the_whole_set_and_nothing_is_half_written(org):
    proposal = _proposal(org)
    before = list(proposal.rows.values_list("pain", flat=True))
    bad = [
        RowInput(pain="a", solution="b", value="c"),
        RowInput(pain="d", solution="e", value="f"),
        RowInput(pain="g", solution="h", value="i", amount=Decimal("-5")),
    ]
    with pytest.raises(DomainError) as refused:
        value_rows_replace(proposal=proposal, by=org.rep, rows=bad)
    assert set(refused.value.fields) == {"rows[2].amount"}
    assert list(proposal.rows.values_list("pain", flat=True)) == before
    with pytest.raises(DomainError):
        value_rows_add(proposal=proposal, by=org.rep, rows=bad)
    assert proposal.rows.count() == len(before)


def test_new_version_copies_rows_and_roi_and_keeps_the_old_one(org):
    first = _proposal(org)
    _roi(first, org.rep)
    proposal_present(proposal=first, by=org.rep, duration_minutes=45)
    second = proposal_create(deal=first.deal, by=org.rep)
    assert second.number == 2 and second.is_draft
    assert list(second.rows.values_list("pain", "amount", "unit")) == list(
        first.rows.values_list("pain", "amount", "unit")
    )
    assert second.roi_investment == Decimal("480000") and second.roi_benefits == first.roi_benefits
    value_rows_replace(proposal=second, by=org.rep, rows=ROWS[:1])
    assert first.rows.count() == 2  # the delivered version is kept as it was shown


def test_delivered_version_cannot_be_edited(org):
    proposal = _proposal(org)
    proposal_present(proposal=proposal, by=org.rep, duration_minutes=30)
    with pytest.raises(DomainError) as refused:
        value_rows_add(proposal=proposal, by=org.rep, rows=ROWS[:1])
    assert refused.value.code == "proposal_delivered"


def test_audience_follows_the_stakeholder_roles():
    assert suggested_audience({"decision_maker", "finance"}) == "executive"
    assert suggested_audience({"technical"}) == "technical"
    assert suggested_audience({"technical", "decision_maker"}) == "full"
    assert suggested_audience(set()) == "full"


def test_proposal_page_suggests_the_audience_from_stakeholders(org):
    from salesop.customers.models import Contact

    proposal = _proposal(org)
    contact = Contact.objects.create(account=proposal.deal.account, name="王总")
    Stakeholder.objects.create(deal=proposal.deal, contact=contact, role="decision_maker")
    page = proposal_page(proposal)
    assert page.suggested_audience == "executive"
    assert [stress for _role, stress in page.emphasis] == ["投资回报(ROI)、战略价值与风险可控"]


# --- presenting and the criterion ----------------------------------------------------------------


def test_present_logs_a_meeting_with_its_duration_and_marks_delivered(org):
    proposal = _proposal(org)
    proposal_present(proposal=proposal, by=org.rep, duration_minutes=50)
    activity = Activity.objects.get(deal=proposal.deal)
    assert activity.kind == "meeting" and activity.duration_minutes == 50
    assert "v1" in activity.subject
    proposal.refresh_from_db()
    assert proposal.status == "delivered" and proposal.delivered_at is not None
    assert proposal.presented_activity == activity


@pytest.mark.parametrize("minutes", [0, -5])
def test_present_needs_a_duration(org, minutes):
    proposal = _proposal(org)
    with pytest.raises(DomainError) as refused:
        proposal_present(proposal=proposal, by=org.rep, duration_minutes=minutes)
    assert "duration_minutes" in refused.value.fields
    assert not Activity.objects.exists()
    proposal.refresh_from_db()
    assert proposal.is_draft


def test_an_empty_proposal_cannot_be_presented(org):
    proposal = proposal_create(deal=make_deal(org.rep), by=org.rep)
    with pytest.raises(DomainError) as refused:
        proposal_present(proposal=proposal, by=org.rep, duration_minutes=30)
    assert "rows" in refused.value.fields


def test_criterion_proposal_delivered_refuses_then_passes(org):
    from salesop.deals.rules import GateContext
    from salesop.deals.selectors import playbook_of

    deal = make_deal(org.rep)
    check = CRITERIA["proposal.delivered"].check
    context = GateContext(deal=deal, stage=playbook_of(deal).stage("solution"))
    assert "呈现方案" in check(context)
    proposal = _proposal(org, deal)
    assert check(context)  # a draft is not delivered
    proposal_present(proposal=proposal, by=org.rep, duration_minutes=40)
    assert check(context) is None


def test_the_default_playbook_blocks_leaving_solution_until_a_proposal_is_presented(org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    engage(deal, org.rep, "decision_maker")
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="negotiation", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == ["proposal.delivered"]
    proposal_present(proposal=_proposal(org, deal), by=org.rep, duration_minutes=40)
    deal_move(deal=deal, to_stage="negotiation", by=org.rep)
    assert deal.stage == "negotiation"


# --- Word export and templates -------------------------------------------------------------------


def _text_of(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_docx_export_contains_the_quantified_value_rows(org):
    proposal = _proposal(org)
    _roi(proposal, org.rep)
    text = _text_of(proposal_docx(proposal=proposal))
    assert "旺季订单激增,人工排班跟不上" in text
    assert "仓库人工成本每年节省" in text and "¥360,000.00" in text
    assert "库存周转天数减少 12 天" in text and "12 天" in text
    assert "智能排班" in text  # the full variant shows the solution
    assert "12.0" in text and "200.0%" in text  # payback months, 3-year ROI
    assert proposal.deal.account.name in text


def test_executive_variant_leaves_the_technical_detail_out(org):
    proposal = _proposal(org)
    text = _text_of(proposal_docx(proposal=proposal, audience="executive"))
    assert "仓库人工成本每年节省" in text and "智能排班" not in text


def test_markup_in_rows_is_escaped_in_the_document(org):
    proposal = _proposal(org, rows=[RowInput(pain="<b>&", solution="s", value="v")])
    assert "<b>&" in _text_of(proposal_docx(proposal=proposal))


def test_template_upload_refused_naming_the_missing_placeholders(org):
    content = docx_with("{{ customer }} {{ deal }}")
    with pytest.raises(DomainError) as refused:
        proposal_template_upload(by=org.ops, name="ours.docx", content=content)
    assert "version" in refused.value.message and "rows" in refused.value.message
    assert "roi" in refused.value.message and "customer" not in refused.value.message
    assert not ProposalTemplate.objects.exists()


def test_template_upload_refuses_a_file_that_is_not_docx(org):
    with pytest.raises(DomainError) as refused:
        proposal_template_upload(by=org.ops, name="x.docx", content=b"%PDF-1.4 not a word file")
    assert "file" in refused.value.fields


def test_template_upload_is_for_sales_ops_only(org):
    with pytest.raises(DomainError) as refused:
        proposal_template_upload(by=org.rep, name="x.docx", content=b"")
    assert refused.value.code == "forbidden"


def test_uploaded_template_is_used_for_export(org):
    content = docx_with(
        "OUR TEMPLATE {{ customer }} / {{ deal }} v{{ version }}",
        "{%p for row in rows %}",
        "ROW {{ row.value }} = {{ row.amount }}",
        "{%p endfor %}",
        "ROI {{ roi.roi_pct }}",
    )
    template = proposal_template_upload(by=org.ops, name="ours.docx", content=content)
    assert template.number == 1 and template.active
    text = _text_of(proposal_docx(proposal=_proposal(org)))
    assert "OUR TEMPLATE" in text and "ROW 仓库人工成本每年节省 = ¥360,000.00" in text


def test_value_row_amount_display():
    assert ValueRow(amount=Decimal("360000"), unit="CNY").amount_display == "¥360,000.00"
    assert ValueRow(amount=Decimal("12.00"), unit="天").amount_display == "12 天"


def test_template_upload_refuses_a_broken_tag(org):
    content = docx_with("{{ customer }} {{ deal }} {{ version }} {{ roi }} {% for row in rows %}")
    with pytest.raises(DomainError) as refused:
        proposal_template_upload(by=org.ops, name="broken.docx", content=content)
    assert "file" in refused.value.fields and not ProposalTemplate.objects.exists()


def test_only_the_latest_version_changes(org):
    first = _proposal(org)
    proposal_create(deal=first.deal, by=org.rep)
    with pytest.raises(DomainError) as refused:
        value_rows_add(proposal=first, by=org.rep, rows=ROWS[:1])
    assert refused.value.code == "proposal_superseded"
    with pytest.raises(DomainError):
        proposal_present(proposal=first, by=org.rep, duration_minutes=30)
    assert first.rows.count() == 2 and not Activity.objects.exists()


def test_a_benefit_past_the_largest_amount_names_the_largest_amount():
    # The message said 1,000,000,000,000 (the limit rounded), a figure itself refused.
    from salesop.core.money import MAX_AMOUNT
    from salesop.deals.proposals.roi import roi_problems

    problems = roi_problems(Decimal(100), [BenefitLine("省下的人工", MAX_AMOUNT + 1)], 3)
    assert "999,999,999,999.99" in problems["roi.benefits[0].amount"]
