"""The audit trail reads in words, many-to-many changes included: every field by its name in
the reader's language, every value as the reader would say it (a choice's or the playbook's
label, yes or no, a JSON object as "label: value" pairs), never a key."""

import pytest
from auditlog.registry import auditlog
from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise

from salesop.core.audit import _VOCABULARIES, audit_actor, audit_entries_for
from salesop.core.testing import make_deal, make_lead, signed_in

pytestmark = pytest.mark.django_db

# The records whose trail a page shows (web/_partials/audit.html).
SHOWN = [
    "deals.Deal",
    "leads.Lead",
    "customers.Account",
    "contracts.Contract",
    "aftersales.DeliveryProject",
    "aftersales.Ticket",
]


@pytest.mark.no_clock
def test_every_field_a_page_shows_in_a_trail_has_a_translated_name():
    unnamed = [
        f"{label}.{name}"
        for label in SHOWN
        for name in auditlog.get_model_fields(apps.get_model(label))["include_fields"]
        if not (field := apps.get_model(label)._meta.get_field(name)).primary_key
        and not isinstance(field.verbose_name, Promise)
    ]
    assert unnamed == []


@pytest.mark.no_clock
def test_every_vocabulary_a_model_names_is_registered():
    named = {
        (model._meta.label, field, vocabulary)
        for model in apps.get_models()
        for field, vocabulary in getattr(model, "AUDIT_VOCABULARIES", {}).items()
    }
    assert {n for n in named if n[2] not in _VOCABULARIES} == set()
    assert {("deals.Deal", "stage", "stages"), ("leads.Lead", "bant", "bant")} <= named


def _changes(record, language: str) -> dict[str, tuple[str, str]]:
    with translation.override(language):
        rows = reversed(audit_entries_for(record))  # oldest first: the last change wins
        return {f: (old, new) for row in rows for f, old, new in row.changes}


def test_a_lead_trail_names_statuses_answers_and_reasons_in_the_readers_words(org):
    lead = make_lead(org.rep)
    with audit_actor(org.rep):
        lead.status = "disqualified"
        lead.disqualify_reason = "no_budget"
        lead.bant = {"budget": "range", "authority": "influencer"}
        lead.save()
    zh = _changes(lead, "zh-hans")
    assert zh["状态"] == ("新线索", "无效")
    assert zh["BANT 评估"] == ("", "预算: 有预算范围; 决策权: 接触到影响者")
    assert zh["无效原因"][1] == "无预算"
    en = _changes(lead, "en")
    assert en["status"] == ("New", "Disqualified")
    assert (
        en["BANT answers"][1] == "Budget: Budget range known; Authority: Talking to an influencer"
    )


def test_a_deal_trail_names_stages_flags_and_related_records(org):
    deal = make_deal(org.rep)
    with audit_actor(org.rep):
        deal.stage = "solution"
        deal.opened_unknown = True
        deal.save()
    zh = _changes(deal, "zh-hans")
    assert zh["阶段"] == ("需求挖掘", "方案呈现")
    assert zh["开启日期不详"] == ("否", "是")
    assert zh["客户公司"][1] == str(deal.account)


def test_an_amount_written_again_as_it_was_is_no_change(org):
    from decimal import Decimal

    deal = make_deal(org.rep, amount=Decimal("480000"))
    with audit_actor(org.rep):
        deal.amount = Decimal("480000.00")
        deal.save()
        deal.refresh_from_db()
        deal.amount = Decimal("520000")
        deal.save()
    for language, name in (("en", "amount"), ("zh-hans", "金额")):
        with translation.override(language):
            rows = audit_entries_for(deal)  # newest first: the change, then the creation
            amounts = [[c[1:] for c in row.changes if c[0] == name] for row in rows]
        assert amounts == [[("480,000.00", "520,000.00")], [("", "480,000.00")]], language


def test_sharing_a_deal_shows_who_was_added_and_removed(org):
    deal = make_deal(org.rep)
    with audit_actor(org.manager):
        deal.shared_with.add(org.teammate)
        deal.shared_with.remove(org.teammate)
    rows = [change for row in audit_entries_for(deal) for change in row.changes]
    shared = [c for c in rows if str(org.teammate) in (c[1] + c[2])]
    assert ("", str(org.teammate)) in [(c[1], c[2]) for c in shared]
    assert (str(org.teammate), "") in [(c[1], c[2]) for c in shared]


@pytest.mark.postgres
def test_audit_entries_refuse_update_and_delete_even_in_sql(org):
    from auditlog.models import LogEntry
    from django.db import DatabaseError, connection, transaction

    make_deal(org.rep)
    entry = LogEntry.objects.latest("pk")
    for sql in (
        "UPDATE auditlog_logentry SET changes_text = 'rewritten' WHERE id = %s",
        "DELETE FROM auditlog_logentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert LogEntry.objects.filter(pk=entry.pk, changes_text=entry.changes_text).exists()
    # a deleted user's entries stay, without the actor (the one change the database makes)
    from salesop.core.testing import make_user

    temp = make_user("temp", team=org.shanghai)
    deal = make_deal(org.rep, name="临时编辑")
    with audit_actor(temp):
        deal.name = "临时编辑 (改)"
        deal.save()
    edited = LogEntry.objects.filter(actor=temp).values_list("pk", flat=True)
    assert len(edited) >= 1
    ids = list(edited)
    temp.delete()
    assert LogEntry.objects.filter(pk__in=ids, actor__isnull=True).count() == len(ids)


def test_a_records_history_opens_for_who_sees_it_and_is_404_for_anyone_else(org):
    """The history card loads when opened, from one address per record kind; another team's
    record and a kind no page shows answer 404 alike."""
    from salesop.core.testing import signed_in

    deal = make_deal(org.rep)
    url = f"/history/deals.deal/{deal.pk}/"
    page = signed_in(org.rep).get(f"/deals/{deal.pk}/").content.decode()
    assert url in page
    trail = signed_in(org.manager).get(url, HTTP_HX_REQUEST="true")
    assert trail.status_code == 200 and "<html" not in trail.content.decode()
    assert deal.name in signed_in(org.rep).get(url).content.decode()  # a page without htmx
    for user, address in (
        (org.outsider, url),
        (org.rep, f"/history/accounts.user/{org.rep.pk}/"),
        (org.rep, "/history/deals.deal/99999999/"),
    ):
        assert signed_in(user).get(address).status_code == 404


def test_nested_actor_blocks_attribute_each_row_and_leave_no_receiver_behind(org):
    """A service's block (its `by`) inside the request's block (the signed-in user): each row
    goes to the block it was written in, and leaving them disconnects what they connected.
    django-auditlog alone left the outer block's signal receiver connected: one more per
    audited request, all called on every audit row written after (the process slowed and
    grew for as long as it ran)."""
    from auditlog.models import LogEntry
    from django.db.models.signals import pre_save

    lead = make_lead(org.rep)
    connected = len(pre_save.receivers)
    with audit_actor(org.rep):
        for name in ("一", "二", "三"):
            with audit_actor(org.manager):
                lead.contact_name = name
                lead.save()
        lead.title = "总经理"
        lead.save()
    actors = list(
        LogEntry.objects.get_for_object(lead).order_by("pk").values_list("actor", flat=True)
    )
    assert actors[-4:] == [org.manager.pk] * 3 + [org.rep.pk]
    assert len(pre_save.receivers) == connected
    client = signed_in(org.rep)  # and through the middleware's block, request after request
    for note in ("一", "二", "三"):
        response = client.patch(
            f"/api/v1/leads/{lead.pk}", {"notes": note}, content_type="application/json"
        )
        assert response.status_code == 200 and LogEntry.objects.latest("pk").actor == org.rep
    assert len(pre_save.receivers) == connected


def test_the_trail_records_the_connections_address_and_ignores_a_forged_one(org, settings):
    """X-Forwarded-For is the client's to write: it counts only behind the reverse proxy, and
    then only its last address (the proxy's); a value that is not an address is not recorded
    (on PostgreSQL it failed every audited write of the request)."""
    from auditlog.models import LogEntry

    lead = make_lead(org.rep)
    client = signed_in(org.rep)

    def edit(forwarded: str):
        response = client.patch(
            f"/api/v1/leads/{lead.pk}",
            {"notes": forwarded},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=forwarded,
        )
        assert response.status_code == 200, response.content[:300]
        entry = LogEntry.objects.latest("pk")
        assert entry.actor == org.rep and entry.object_pk == str(lead.pk)
        return entry.remote_addr

    assert edit("not-an-ip") == "127.0.0.1"
    assert edit("6.6.6.6") == "127.0.0.1"
    settings.BEHIND_PROXY = True
    assert edit("6.6.6.6, 203.0.113.9") == "203.0.113.9"
    assert edit("not-an-ip") is None
