"""Custom fields in the pages: sales ops defines them, a record's page shows and edits them in
place on the version it was read at, and only people who see the record reach it."""

from salesop.core.testing import make_account, make_deal, signed_in
from salesop.playbook.models import FieldDefinition, FieldModel

NEW_FIELD = {
    "model": FieldModel.DEAL,
    "key": "procurement",
    "label_zh": "采购方式",
    "label_en": "Procurement",
    "kind": "choice",
    "choices": "tender | 招标 | Tender\nsingle_source | 单一来源 | Single source",
    "currency": "",
}


def test_sales_ops_defines_a_field_and_others_may_not(org):
    assert signed_in(org.rep).get("/playbook/fields/").status_code == 403
    assert signed_in(org.rep).post("/playbook/fields/", NEW_FIELD).status_code == 403
    ops = signed_in(org.ops)
    bad = ops.post("/playbook/fields/", {**NEW_FIELD, "choices": "tender, 招标"})
    assert "Line 1: write key | 中文 | English." in bad.content.decode()
    assert ops.post("/playbook/fields/", NEW_FIELD).status_code == 302
    field = FieldDefinition.objects.get()
    assert field.choices[1] == {"key": "single_source", "zh": "单一来源", "en": "Single source"}
    again = ops.post("/playbook/fields/", NEW_FIELD)
    assert "This key is taken" in again.content.decode()
    page = ops.get("/playbook/fields/").content.decode()
    assert 'data-testid="field-procurement"' in page


def test_a_rep_edits_a_deals_field_in_place_on_the_version_read(org):
    signed_in(org.ops).post("/playbook/fields/", NEW_FIELD)
    deal = make_deal(org.rep)
    rep = signed_in(org.rep)
    page = rep.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="custom-fields"' in page and "Procurement" in page
    url = f"/playbook/values/deals.deal/{deal.pk}/"
    form = rep.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="procurement"' in form and f'name="version" value="{deal.version}"' in form

    refused = rep.post(url, {"procurement": "auction", "version": deal.version})
    assert "Select a valid choice" in refused.content.decode()
    saved = rep.post(
        url, {"procurement": "tender", "version": deal.version}, headers={"HX-Request": "true"}
    )
    assert saved.status_code == 200
    assert 'data-testid="custom-procurement">Tender<' in saved.content.decode()
    deal.refresh_from_db()
    assert deal.custom == {"procurement": "tender"}

    stale = rep.post(url, {"procurement": "single_source", "version": deal.version - 1})
    assert stale.status_code == 409
    deal.refresh_from_db()
    assert deal.custom == {"procurement": "tender"}


def test_another_teams_record_answers_404(org):
    signed_in(org.ops).post("/playbook/fields/", {**NEW_FIELD, "model": FieldModel.ACCOUNT})
    account = make_account(org.rep)
    url = f"/playbook/values/customers.account/{account.pk}/"
    assert signed_in(org.outsider).get(url).status_code == 404
    assert signed_in(org.outsider).post(url, {"procurement": "tender"}).status_code == 404
    assert signed_in(org.rep).get("/playbook/values/auth.user/1/").status_code == 404
    assert signed_in(org.rep).get(url).status_code == 200


def test_the_api_lists_sets_and_describes_a_field(org):
    signed_in(org.ops).post("/playbook/fields/", NEW_FIELD)
    deal = make_deal(org.rep)
    api = signed_in(org.rep)
    fields = api.get("/api/v1/custom-fields", {"model": "deals.deal"}).json()
    assert [f["key"] for f in fields] == ["procurement"]
    url = f"/api/v1/custom-fields/deals.deal/{deal.pk}"
    refused = api.patch(
        url, {"values": {"procurement": "auction"}}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert "values.procurement" in refused.content.decode()
    saved = api.patch(
        url,
        {"values": {"procurement": "tender"}, "expected_version": deal.version},
        content_type="application/json",
    )
    assert saved.json()["custom"] == {"procurement": "tender"}
    assert api.get(f"/api/v1/deals/{deal.pk}").json()["custom"] == {"procurement": "tender"}
    stale = api.patch(
        url,
        {"values": {"procurement": "tender"}, "expected_version": deal.version},
        content_type="application/json",
    )
    assert stale.status_code == 409
    document = api.get("/api/v1/openapi.json").json()
    custom = document["components"]["schemas"]["DealOut"]["properties"]["custom"]
    assert custom["properties"]["procurement"]["enum"] == ["tender", "single_source"]
    outsider = signed_in(org.outsider)
    assert outsider.patch(url, {"values": {}}, content_type="application/json").status_code == 404
