"""Contracts through the API: the review round trip, signing with an upload, the archive and
its checksums, refusals with the field named, and what another team's user sees (nothing)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from salesop.contracts.models import Handover
from salesop.core.testing import (
    SIGNED_PDF,
    approved_quote,
    make_deal,
    make_template,
    tick_stage,
)
from salesop.deals.services import deal_move
from salesop.pricing.selectors import current_quote

pytestmark = pytest.mark.django_db

IP_EDIT = "为甲方定制开发部分的知识产权归甲方所有,其余归乙方所有。"


def call(client, method, url, body=None):
    return getattr(client, method)(f"/api/v1{url}", body or {}, content_type="application/json")


@pytest.fixture
def setup(org):
    template = make_template(org.ops)
    deal = make_deal(org.rep, expected_close_date=timezone.localdate() + timedelta(days=30))
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    return deal, template


def create(client, deal, template):
    return call(
        client,
        "post",
        f"/deals/{deal.pk}/contracts",
        {"quote_id": current_quote(deal).pk, "template_id": template.pk},
    )


def test_review_round_trip_and_signing_through_the_api(client, org, setup):
    deal, template = setup
    client.force_login(org.rep)
    created = create(client, deal, template)
    assert created.status_code == 201, created.content
    contract = created.json()
    assert contract["status"] == "draft" and len(contract["clauses"]) == 7
    cid = contract["id"]

    edited = call(client, "patch", f"/contracts/{cid}/clauses", {"texts": {"ip": IP_EDIT}})
    ip = next(c for c in edited.json()["clauses"] if c["key"] == "ip")
    assert (ip["deviates"], ip["needs_review"]) == (True, True)
    assert call(client, "post", f"/contracts/{cid}/submit").json()["status"] == "in_review"

    client.force_login(org.legal)
    queue = call(client, "get", "/contract-reviews").json()
    assert [(q["id"], q["flagged"]) for q in queue] == [(cid, 1)]
    refused = call(
        client,
        "post",
        f"/contracts/{cid}/review",
        {"approve": False, "decisions": [{"clause": "ip", "verdict": "reject"}]},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "decisions.0.comment"]
    assert call(client, "get", f"/contracts/{cid}").json()["reviews"][0]["outcome"] == ""
    returned = call(
        client,
        "post",
        f"/contracts/{cid}/review",
        {
            "approve": False,
            "decisions": [
                {"clause": "ip", "verdict": "reject", "comment": "须保留乙方通用组件权利"}
            ],
            "comment": "请修改知识产权条款",
        },
    )
    assert returned.json()["status"] == "returned"

    client.force_login(org.rep)
    review = call(client, "get", f"/contracts/{cid}").json()["reviews"][0]
    assert review["comment"] == "请修改知识产权条款"
    assert review["decisions"] == [
        {
            "clause": "ip",
            "verdict": "reject",
            "comment": "须保留乙方通用组件权利",
            "proposed_text": "",
        }
    ]
    fixed = IP_EDIT + "乙方保留通用组件的知识产权。"
    call(client, "patch", f"/contracts/{cid}/clauses", {"texts": {"ip": fixed}})
    call(client, "post", f"/contracts/{cid}/submit")

    client.force_login(org.legal)
    approved = call(
        client,
        "post",
        f"/contracts/{cid}/review",
        {"approve": True, "decisions": [{"clause": "ip", "verdict": "accept"}]},
    )
    assert approved.json()["status"] == "approved"
    assert [f["kind"] for f in approved.json()["files"]] == ["generated"]

    client.force_login(org.rep)
    not_ready = call(client, "post", f"/contracts/{cid}/send")
    assert not_ready.status_code == 422
    assert {e["loc"][-1] for e in not_ready.json()["errors"]} == {
        "documents",
        "target_signing_date",
    }
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    call(client, "put", f"/contracts/{cid}/schedule", {"target_signing_date": day})
    for key in ("contract", "authorisation_letter", "license_copy"):
        call(client, "post", f"/contracts/{cid}/documents/{key}", {"ready": True})
    assert call(client, "post", f"/contracts/{cid}/send").json()["status"] == "sent"

    wrong = client.post(
        f"/api/v1/contracts/{cid}/sign",
        {"file": SimpleUploadedFile("scan.txt", b"just text", "text/plain")},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "file"]
    signed = client.post(
        f"/api/v1/contracts/{cid}/sign",
        {"file": SimpleUploadedFile("盖章合同.pdf", SIGNED_PDF, "application/pdf")},
    )
    assert signed.status_code == 200, signed.content
    body = signed.json()
    assert body["status"] == "signed"
    deal.refresh_from_db()
    assert deal.status == "won" and Handover.objects.filter(deal=deal).exists()

    scan = next(f for f in body["files"] if f["kind"] == "signed")
    download = client.get(f"/api/v1/contracts/{cid}/files/{scan['id']}")
    assert download.content == SIGNED_PDF and download["X-Content-SHA256"] == scan["sha256"]
    assert "filename*=utf-8''" in download["Content-Disposition"]  # a Chinese name survives
    same = client.post(
        f"/api/v1/contracts/{cid}/verify", {"file": SimpleUploadedFile("x.pdf", SIGNED_PDF)}
    ).json()
    assert same["matches"] is True and same["file"]["id"] == scan["id"]
    forged = client.post(
        f"/api/v1/contracts/{cid}/verify",
        {"file": SimpleUploadedFile("x.pdf", SIGNED_PDF + b" ")},
    ).json()
    assert forged == {"matches": False, "file": None}

    locked = call(client, "patch", f"/contracts/{cid}/clauses", {"texts": {"ip": IP_EDIT}})
    assert locked.status_code == 422 and locked.json()["code"] == "not_editable"
    assert call(client, "post", f"/contracts/{cid}/archive").json()["status"] == "archived"


def test_contracts_from_unapproved_or_outdated_quotes_are_refused(client, org):
    template = make_template(org.ops)
    deal = make_deal(org.rep)
    client.force_login(org.rep)
    draft = call(
        client,
        "post",
        f"/deals/{deal.pk}/quotes",
        {"lines": [{"description": "WMS", "list_price": "1000"}]},
    ).json()
    refused = call(
        client,
        "post",
        f"/deals/{deal.pk}/contracts",
        {"quote_id": draft["id"], "template_id": template.pk},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "quote_not_approved"
    assert refused.json()["errors"][0]["loc"] == ["body", "quote"]
    approved_quote(deal, org.rep)
    old = current_quote(deal)
    approved_quote(deal, org.rep)
    outdated = call(
        client,
        "post",
        f"/deals/{deal.pk}/contracts",
        {"quote_id": old.pk, "template_id": template.pk},
    )
    assert outdated.json()["code"] == "quote_outdated"
    assert call(client, "get", f"/deals/{deal.pk}/contracts").json() == []


def test_signing_before_clearance_is_refused(client, org, setup):
    deal, template = setup
    client.force_login(org.rep)
    cid = create(client, deal, template).json()["id"]
    refused = client.post(
        f"/api/v1/contracts/{cid}/sign", {"file": SimpleUploadedFile("s.pdf", SIGNED_PDF)}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "not_cleared"
    assert refused.json()["errors"][0]["loc"] == ["body", "status"]
    assert call(client, "get", f"/contracts/{cid}").json()["files"] == []


def test_templates_are_versioned_and_kept_by_legal_or_ops(client, org):
    body = {
        "code": "nda",
        "name": "保密协议",
        "clauses": [{"key": "confidentiality", "title": "保密", "text": "三年保密。"}],
    }
    client.force_login(org.rep)
    assert call(client, "post", "/contract-templates", body).status_code == 403
    client.force_login(org.legal)
    first = call(client, "post", "/contract-templates", body).json()
    body["clauses"][0]["text"] = "五年保密。"
    second = call(client, "post", "/contract-templates", body).json()
    assert (first["number"], second["number"]) == (1, 2)
    listed = call(client, "get", "/contract-templates").json()
    assert [(t["code"], t["number"]) for t in listed] == [("nda", 2)]
    old = call(client, "get", f"/contract-templates/{first['id']}").json()
    assert old["current"] is False and old["clauses"][0]["text"] == "三年保密。"
    dup = dict(body, clauses=body["clauses"] * 2)
    refused = call(client, "post", "/contract-templates", dup)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "clauses.1.key"]


def test_another_teams_user_finds_nothing(client, org, setup):
    deal, template = setup
    client.force_login(org.rep)
    cid = create(client, deal, template).json()["id"]
    client.force_login(org.outsider)
    for url in (
        f"/contracts/{cid}",
        f"/deals/{deal.pk}/contracts",
        f"/contracts/{cid}/docx",
        f"/contracts/{cid}/incentives/allowed",
    ):
        assert call(client, "get", url).status_code == 404, url
    assert call(client, "post", f"/contracts/{cid}/submit").status_code == 404
    assert call(client, "get", "/contract-reviews").json() == []


def test_word_download_holds_the_edited_clause(client, org, setup):
    deal, template = setup
    client.force_login(org.rep)
    cid = create(client, deal, template).json()["id"]
    call(client, "patch", f"/contracts/{cid}/clauses", {"texts": {"ip": IP_EDIT}})
    response = client.get(f"/api/v1/contracts/{cid}/docx")
    assert response.status_code == 200 and ".docx" in response["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert IP_EDIT in text


def test_contract_reads_do_not_grow_with_clauses_or_contracts(
    client, org, setup, django_assert_num_queries
):
    deal, template = setup
    client.force_login(org.rep)
    cid = create(client, deal, template).json()["id"]
    call(client, "patch", f"/contracts/{cid}/clauses", {"texts": {"ip": IP_EDIT}})
    call(client, "post", f"/contracts/{cid}/submit")

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert call(client, "get", url).status_code == 200
        return len(queries)

    detail, listing = count(f"/contracts/{cid}"), count(f"/deals/{deal.pk}/contracts")
    client.force_login(org.legal)
    call(
        client,
        "post",
        f"/contracts/{cid}/review",
        {"approve": False, "decisions": [{"clause": "ip", "verdict": "reject", "comment": "否"}]},
    )
    client.force_login(org.rep)
    call(client, "post", f"/contracts/{cid}/cancel", {"reason": "改用新模板"})
    bigger = make_template(org.ops, code="long", name="长合同")
    cid2 = create(client, deal, bigger).json()["id"]
    with django_assert_num_queries(detail):
        assert call(client, "get", f"/contracts/{cid}").status_code == 200
    with django_assert_num_queries(listing):
        assert len(call(client, "get", f"/deals/{deal.pk}/contracts").json()) == 2
    assert cid2 != cid
