"""Custom fields: definitions sales ops makes, values checked on every write, changes refused
when the stored values would not survive them."""

import pytest
from auditlog.models import LogEntry
from django.utils import translation

from salesop.core.errors import DomainError, StaleWrite
from salesop.core.testing import make_account, make_deal
from salesop.deals.models import Deal
from salesop.playbook import customfields
from salesop.playbook.customfields import Spec
from salesop.playbook.models import FieldKind, FieldModel

PROCUREMENT = [
    {"key": "tender", "zh": "招标", "en": "Tender"},
    {"key": "single_source", "zh": "单一来源", "en": "Single source"},
    {"key": "inquiry", "zh": "询价", "en": "Request for quotation"},
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def procurement(org, **extra):
    spec = Spec("采购方式", "Procurement", FieldKind.CHOICE, [dict(c) for c in PROCUREMENT])
    for name, value in extra.items():
        setattr(spec, name, value)
    return customfields.define(by=org.ops, model=FieldModel.DEAL, key="procurement", spec=spec)


def capital(org):
    spec = Spec("注册资本", "Registered capital", FieldKind.MONEY, [])
    return customfields.define(by=org.ops, model=FieldModel.ACCOUNT, key="capital", spec=spec)


def test_values_are_checked_by_type_and_kept_exact(org):
    capital(org)
    account = make_account(org.rep)
    customfields.write(account, {"capital": "12,000,000.50"}, by=org.rep)
    account.refresh_from_db()
    assert account.custom == {"capital": "12000000.50"}  # a decimal string, never a float
    assert account.version == 2
    assert LogEntry.objects.get_for_object(account).filter(changes__icontains="capital").exists()

    with pytest.raises(DomainError) as refused:
        customfields.write(account, {"capital": "a lot", "nope": 1}, by=org.rep)
    assert refused.value.fields == {
        "custom.capital": "Enter an amount of 0 or more with at most 2 decimal places.",
        "custom.nope": "There is no such field.",
    }
    assert "Registered capital" in refused.value.message
    account.refresh_from_db()
    assert account.custom == {"capital": "12000000.50"}  # nothing half-written


def test_every_type_takes_what_a_form_an_import_and_the_api_send(org):
    fields = {
        kind: customfields.define(
            by=org.ops,
            model=FieldModel.LEAD,
            key=f"f_{kind}",
            spec=Spec(kind, kind, kind, [dict(c) for c in PROCUREMENT]),
        )
        for kind in FieldKind.values
    }
    taken = {
        FieldKind.TEXT: ("  集团采购 ", "集团采购"),
        FieldKind.LONG_TEXT: ("一\n二", "一\n二"),
        FieldKind.NUMBER: (-12, "-12"),
        FieldKind.MONEY: ("1,000.5", "1000.50"),  # to the cent, however typed
        FieldKind.DATE: ("2026-12-05", "2026-12-05"),
        FieldKind.CHOICE: ("单一来源", "single_source"),  # an import's label
        FieldKind.MULTI_CHOICE: (["inquiry", "tender"], ["tender", "inquiry"]),
        FieldKind.USER: (org.rep.username, org.rep.pk),
        FieldKind.BOOLEAN: ("是", True),
    }
    for kind, (raw, stored) in taken.items():
        assert customfields.parse(fields[kind], raw) == stored, kind
    refused = {
        FieldKind.TEXT: 5,
        FieldKind.NUMBER: "1e5",
        FieldKind.MONEY: "-1",
        FieldKind.DATE: "05/12/2026",
        FieldKind.CHOICE: "auction",
        FieldKind.MULTI_CHOICE: ["tender", "auction"],
        FieldKind.USER: 10**9,
        FieldKind.BOOLEAN: "maybe",
    }
    for kind, raw in refused.items():
        with pytest.raises(customfields.Invalid):
            customfields.parse(fields[kind], raw)
    assert customfields.parse(fields[FieldKind.TEXT], "") is None  # empty clears


def test_a_required_field_must_be_filled_on_a_new_record_and_cannot_be_cleared(org):
    procurement(org, required=True)
    with pytest.raises(DomainError) as refused:
        customfields.clean(FieldModel.DEAL, {}, current=None, creating=True)
    assert refused.value.fields == {"custom.procurement": "This field is required."}
    deal = make_deal(org.rep)
    customfields.write(deal, {"procurement": "tender"}, by=org.rep)
    with pytest.raises(DomainError):
        customfields.write(deal, {"procurement": None}, by=org.rep)


def test_a_write_on_an_old_read_is_refused(org):
    procurement(org)
    deal = make_deal(org.rep)
    customfields.write(deal, {"procurement": "tender"}, by=org.rep, expected_version=deal.version)
    with pytest.raises(StaleWrite):
        customfields.write(deal, {"procurement": "inquiry"}, by=org.rep, expected_version=1)
    version = deal.version
    customfields.write(deal, {"procurement": "tender"}, by=org.rep)  # as it is: nothing to write
    deal.refresh_from_db()
    assert deal.version == version


def test_a_duplicate_key_and_bad_choices_are_refused_naming_the_field(org):
    procurement(org)
    with pytest.raises(DomainError) as refused:
        procurement(org)
    assert "key" in refused.value.fields
    spec = Spec("x", "x", FieldKind.CHOICE, [{"key": "a", "zh": "甲", "en": "A"}] * 2)
    with pytest.raises(DomainError) as refused:
        customfields.define(by=org.ops, model=FieldModel.DEAL, key="other", spec=spec)
    assert refused.value.fields == {"choices": "Choice 2: the key a is given twice."}
    with pytest.raises(DomainError):
        customfields.define(
            by=org.rep, model=FieldModel.DEAL, key="mine", spec=Spec("x", "x", "text", [])
        )


def test_a_choice_in_use_or_a_type_the_values_do_not_fit_is_refused_naming_the_records(org):
    field = procurement(org)
    deals = [make_deal(org.rep, name=f"仓储项目 {i}") for i in range(12)]
    for deal in deals:
        customfields.write(deal, {"procurement": "tender"}, by=org.rep)
    fewer = Spec("采购方式", "Procurement", FieldKind.CHOICE, [dict(c) for c in PROCUREMENT[1:]])
    with pytest.raises(DomainError) as refused:
        customfields.redefine(field=field, by=org.ops, spec=fewer)
    assert refused.value.message.startswith("12 records hold values")
    assert f"仓储项目 0 (#{deals[0].pk})" in refused.value.message
    as_number = Spec("采购方式", "Procurement", FieldKind.NUMBER, [])
    with pytest.raises(DomainError) as refused:
        customfields.redefine(field=field, by=org.ops, spec=as_number)
    assert refused.value.fields == {"kind": refused.value.message}  # the records named there
    # relabelled, with a choice added: every value still fits
    more = [dict(c) for c in PROCUREMENT] + [{"key": "auction", "zh": "竞价", "en": "Auction"}]
    customfields.redefine(field=field, by=org.ops, spec=Spec("采购方式", "Buying", "choice", more))
    field.refresh_from_db()
    assert field.label_en == "Buying" and len(field.choices) == 4


def test_deleting_keeps_the_values_until_purged(org):
    field = procurement(org)
    deal = make_deal(org.rep)
    customfields.write(deal, {"procurement": "tender"}, by=org.rep)
    customfields.delete(field=field, by=org.ops)
    assert customfields.definitions(FieldModel.DEAL) == []
    with pytest.raises(DomainError):  # hidden from writes too
        customfields.write(deal, {"procurement": "inquiry"}, by=org.rep)
    deal.refresh_from_db()
    assert deal.custom == {"procurement": "tender"}
    with pytest.raises(DomainError):  # the key stays taken
        procurement(org)
    customfields.restore(field=field, by=org.ops)
    customfields.delete(field=field, by=org.ops)
    assert customfields.purge(field=field, by=org.ops) == 1
    deal.refresh_from_db()
    assert deal.custom is None
    procurement(org)  # the key is free again


def test_a_list_filtered_by_a_field_reads_its_index(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        procurement(org)
    deal = make_deal(org.rep)
    customfields.write(deal, {"procurement": "tender"}, by=org.rep)
    make_deal(org.rep, name="other")
    rows = customfields.filter_by(
        Deal.objects.all(), FieldModel.DEAL, {"custom.procurement": "tender"}
    )
    assert list(rows) == [deal]
    assert "custom_deal_procurement" in rows.explain()


def test_a_deals_field_gates_a_stage_once_the_playbook_names_it(org):
    from salesop.deals.services import move_check
    from salesop.playbook.services import (
        PlaybookRefused,
        default_playbook_text,
        playbook_activate,
        playbook_version_create,
    )

    text = default_playbook_text().replace(
        "      - quote.within_policy_or_approved\n",
        "      - quote.within_policy_or_approved\n      - custom.deal.procurement\n",
    )
    with pytest.raises(PlaybookRefused) as refused:  # no such field yet
        playbook_version_create(text=text, by=org.ops, comment="procurement before contracting")
    assert any("custom.deal.procurement" in e.message for e in refused.value.errors)
    field = procurement(org)
    version = playbook_version_create(text=text, by=org.ops, comment="procurement first")
    playbook_activate(version=version, by=org.ops)
    deal = make_deal(org.rep)  # the move to contracting crosses negotiation's gate
    unmet = {
        f.criterion: str(f.message)
        for f in move_check(deal=deal, to_stage="contracting", by=org.rep)
    }
    assert unmet["custom.deal.procurement"] == "Negotiation: Fill in “Procurement”."
    customfields.write(deal, {"procurement": "inquiry"}, by=org.rep)
    unmet = {f.criterion for f in move_check(deal=deal, to_stage="contracting", by=org.rep)}
    assert "custom.deal.procurement" not in unmet
    with pytest.raises(DomainError) as refused:  # the running playbook gates on it
        customfields.delete(field=field, by=org.ops)
    assert "Negotiation" in refused.value.message  # the stage by its label


def test_a_field_a_checklist_item_ticks_from_cannot_be_deleted(org):
    from salesop.playbook.services import (
        default_playbook_text,
        playbook_activate,
        playbook_version_create,
    )

    field = procurement(org)
    text = default_playbook_text().replace(
        "        evidence: activity.demo_logged\n", "        evidence: custom.deal.procurement\n"
    )
    assert "custom.deal.procurement" in text
    playbook_activate(version=playbook_version_create(text=text, by=org.ops), by=org.ops)
    with pytest.raises(DomainError) as refused:
        customfields.delete(field=field, by=org.ops)
    assert "Solution" in refused.value.message  # the stage whose checklist reads it


def test_an_amount_is_kept_to_the_cent_in_its_own_currency(org):
    field = capital(org)
    assert customfields.parse(field, "1.234万") == "12340.00"
    assert customfields.parse(field, "¥100") == "100.00"
    for foreign in ("$100", "100USD", "€50"):
        with pytest.raises(customfields.Invalid):
            customfields.parse(field, foreign)
    account = make_account(org.rep)
    customfields.write(account, {"capital": "100"}, by=org.rep)
    usd = Spec("注册资本", "Registered capital", FieldKind.MONEY, [], currency="USD")
    with pytest.raises(DomainError) as refused:  # ¥100 does not become US$100
        customfields.redefine(field=field, by=org.ops, spec=usd)
    assert "currency" in refused.value.fields
