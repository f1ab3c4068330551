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


def test_the_deal_list_filters_by_a_field_on_the_page_and_in_the_api(org):
    signed_in(org.ops).post("/playbook/fields/", NEW_FIELD)
    tender = make_deal(org.rep, name="招标项目")
    make_deal(org.rep, name="询价项目")
    rep = signed_in(org.rep)
    rep.post(
        f"/playbook/values/deals.deal/{tender.pk}/",
        {"procurement": "tender", "version": tender.version},
    )
    page = rep.get("/deals/", {"custom.procurement": "tender"}).content.decode()
    assert 'name="custom.procurement"' in page  # the filter form offers the field
    assert "招标项目" in page and "询价项目" not in page
    items = rep.get("/api/v1/deals", {"custom.procurement": "tender"}).json()["items"]
    assert [d["id"] for d in items] == [tender.pk]
    refused = rep.get("/api/v1/deals", {"custom.procurement": "auction"})
    assert refused.status_code == 422 and "custom.procurement" in refused.content.decode()
    assert len(rep.get("/api/v1/deals").json()["items"]) == 2  # unfiltered: both


def test_the_company_list_and_its_export_filter_by_a_field_and_carry_it(org):
    ops = signed_in(org.ops)
    ops.post(
        "/playbook/fields/",
        {**NEW_FIELD, "model": FieldModel.ACCOUNT, "key": "capital", "kind": "money",
         "label_en": "Registered capital", "label_zh": "注册资本", "choices": ""},
    )  # fmt: skip
    big = make_account(org.rep, "恒通物流")
    make_account(org.rep, "小店")
    rep = signed_in(org.rep)
    rep.post(f"/playbook/values/customers.account/{big.pk}/", {"capital": "50,000,000"})
    big.refresh_from_db()
    assert big.custom == {"capital": "50000000.00"}  # to the cent, as every amount is kept
    page = rep.get("/customers/", {"custom.capital": "50000000"}).content.decode()
    assert "恒通物流" in page and "小店" not in page
    export = b"".join(
        rep.get("/customers/export.csv", {"custom.capital": "50000000"}).streaming_content
    )
    lines = export.decode("utf-8-sig").splitlines()
    assert lines[0].endswith("Registered capital") and len(lines) == 2
    assert lines[1].endswith("50000000.00")
    refused = rep.get("/customers/", {"custom.capital": "lots"})
    assert refused.status_code == 302  # back to the list, the refusal said


def test_a_choice_the_field_does_not_offer_is_refused_as_a_filter_not_dropped(org):
    signed_in(org.ops).post("/playbook/fields/", {**NEW_FIELD, "model": FieldModel.ACCOUNT})
    make_account(org.rep, "恒通物流")
    rep = signed_in(org.rep)
    refused = rep.get("/customers/", {"custom.procurement": "auction"}, follow=True)
    assert "Procurement" in refused.content.decode()  # the field named in the message
    export = rep.get("/customers/export.csv", {"custom.procurement": "auction"})
    assert export.status_code == 302  # no file of every company


def test_what_an_outside_tester_broke_stays_mended(org):
    from salesop.core.audit import audit_entries_for
    from salesop.playbook import customfields
    from salesop.playbook.customfields import Spec

    ops, rep = signed_in(org.ops), signed_in(org.rep)
    ops.post("/playbook/fields/", NEW_FIELD)
    for i in range(8):  # enough values that the whole object no longer fits a history cell
        customfields.define(
            by=org.ops,
            model=FieldModel.DEAL,
            key=f"note{i}",
            spec=Spec(f"备注{i}", f"Note {i}", "text", []),
        )
    customfields.define(
        by=org.ops, model=FieldModel.DEAL, key="who", spec=Spec("负责人", "Who", "user", [])
    )
    deal = make_deal(org.rep)
    customfields.write(deal, {f"note{i}": "很长的备注" * 5 for i in range(8)}, by=org.rep)
    customfields.write(deal, {"note7": "改了最后一个", "who": org.teammate.pk}, by=org.rep)
    last = audit_entries_for(deal)[0].changes
    assert any("Note 7: 改了最后一个" in after and "Note 0" not in after for _n, _b, after in last)
    assert any("Who: Emily Chen" in after for _n, _b, after in last)  # a person by name

    # a person who left stays the value when another field is saved
    org.teammate.is_active = False
    org.teammate.save(update_fields=["is_active"])
    url = f"/playbook/values/deals.deal/{deal.pk}/"
    deal.refresh_from_db()
    form = rep.get(url).content.decode()
    rep.post(url, {"procurement": "tender", "who": str(org.teammate.pk), "version": deal.version}
             | {f"note{i}": deal.custom[f"note{i}"] for i in range(8)})  # fmt: skip
    deal.refresh_from_db()
    assert deal.custom["who"] == org.teammate.pk and deal.custom["procurement"] == "tender"
    assert "(left)" in form

    # after a stale refusal, saving the same form again is refused again
    stale = rep.post(url, {"procurement": "single_source", "version": deal.version - 1})
    assert stale.status_code == 409
    assert f'name="version" value="{deal.version - 1}"' in stale.content.decode()

    # a label a spreadsheet would run as a formula is neutralised in an export's header
    ops.post(
        "/playbook/fields/",
        {**NEW_FIELD, "model": FieldModel.ACCOUNT, "key": "evil", "kind": "text", "choices": "",
         "label_en": '=HYPERLINK("http://evil.example/","x")'},
    )  # fmt: skip
    make_account(org.rep)
    header = b"".join(rep.get("/customers/export.csv").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in header.splitlines()[0]
