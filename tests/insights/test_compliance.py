"""SOP compliance scorecards on a hand-checkable October 2026, seen by the team's manager.

The rep: 4 leads, 3 contacted within the 24-hour SLA (75%); 2 stage moves out of discovery,
one with an override (checklist 50%) and one without a confirmed recap (discovery 50%); one
won deal (480,000 CNY) priced by an approved quote (quotes 100%) but without a signed contract
(contracts 0%); one lost deal (win rate 50%). Score, weights 20/20/20/10/10:
(20x75 + 20x50 + 20x50 + 10x100 + 10x0) / 80 = 56.3.

The teammate: 1 lead contacted in time (100%); 1 ticket answered in time but given its
direction late (0%); 2 revisits, one done on time (50%). Score (20x100 + 10x0 + 5x50) / 35
= 64.3."""

from datetime import timedelta

import pytest

from salesop.aftersales.models import Revisit, Ticket
from salesop.core.testing import make_account, make_channel, make_deal
from salesop.customers.models import Contact
from salesop.deals.models import Deal, Discovery, Need, Stakeholder
from salesop.insights.compliance import COLLECTORS, items, scorecards
from salesop.insights.rules import month_period
from salesop.insights.selectors import compliance_scope
from salesop.leads.models import Lead
from salesop.leads.rules import first_contact_hours
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Quote

from .conftest import at, move

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)


def lead(owner, day, hours_to_contact):
    return Lead.objects.create(
        owner=owner,
        team=owner.team,
        channel=make_channel(),
        company_name=f"客户 {day}",
        created_at=at(day),
        first_contacted_at=at(day) + timedelta(hours=hours_to_contact),
    )


@pytest.fixture
def october(org):
    for day, hours in ((1, 2), (2, 2), (3, 2), (4, 30)):
        lead(org.rep, day, hours)
    lead(org.teammate, 5, 1)
    lead(org.outsider, 5, 100)  # another team: not the manager's
    good = make_deal(org.rep, name="完整的商机")
    bad = make_deal(org.rep, name="跳过的商机")
    for deal in (good, bad):
        deal.stage_events.update(at=at(1))
    Need.objects.create(deal=good, kind="deep", summary="库存不准")
    Discovery.objects.create(deal=good, recap_confirmed_at=at(6))
    boss = Contact.objects.create(account=good.account, name="王总")
    Stakeholder.objects.create(deal=good, contact=boss, role="decision_maker")
    move(good, "solution", at(8), 7)
    move(bad, "solution", at(9), 8)
    bad.stage_events.filter(to_stage="solution").update(
        override_reason="客户催得急", unmet=[{"criterion": "discovery.recap_confirmed"}]
    )
    Deal.objects.filter(pk=good.pk).update(status="won", stage="won", closed_at=at(20))
    Quote.objects.create(deal=good, status="approved", sent_at=at(15), created_by=org.rep)
    lost = make_deal(org.rep, name="输掉的商机")
    Deal.objects.filter(pk=lost.pk).update(status="lost", stage="lost", closed_at=at(21))
    account = make_account(org.teammate, name="Acme Logistics Ltd")
    Ticket.objects.create(
        owner=org.teammate,
        team=org.teammate.team,
        account=account,
        channel="phone",
        severity="normal",
        title="无法登录",
        description="…",
        opened_at=at(5),
        first_response_due_at=at(6),
        responded_at=at(5) + timedelta(hours=1),
        direction_due_at=at(7),
        direction_at=at(8),
    )
    Revisit.objects.create(
        account=account,
        owner=org.teammate,
        due_on=at(10).date(),
        status="done",
        done_on=at(9).date(),
    )
    Revisit.objects.create(account=account, owner=org.teammate, due_on=at(20).date())


def test_each_measure_score_and_outcomes_per_person(org, october):
    total, cards = scorecards(compliance_scope(org.manager, OCTOBER))
    by = {c.owner.username: c for c in cards}
    rep, mate = by["rep"], by["teammate"]
    assert [(k, t.ok, t.total) for k, t in rep.measures.items() if t.total] == [
        ("lead_followup", 3, 4),
        ("checklist", 1, 2),
        ("discovery", 1, 2),
        ("quotes", 1, 1),
        ("contracts", 0, 1),
    ]
    assert str(rep.score) == "56.3"
    assert (rep.won, rep.lost, rep.won_revenue, str(rep.win_rate)) == (1, 1, 480000, "50.0")
    assert [(k, t.ok, t.total) for k, t in mate.measures.items() if t.total] == [
        ("lead_followup", 1, 1),
        ("tickets", 0, 1),
        ("revisits", 1, 2),
    ]
    assert str(mate.score) == "64.3"
    assert [c.owner.username for c in cards] == ["teammate", "rep"]  # best score first
    assert total.measures["lead_followup"].total == 5 and "outsider" not in by


def test_a_rep_sees_only_their_own_card(org, october):
    _total, cards = scorecards(compliance_scope(org.rep, OCTOBER))
    assert [c.owner.username for c in cards] == ["rep"]


def test_drill_down_lists_the_records_behind_a_number(client, org, october):
    scope = compliance_scope(org.manager, OCTOBER)
    listed = items(scope, "checklist")
    assert [(i.label.split(":")[0], i.ok) for i in listed] == [
        ("跳过的商机", False),
        ("完整的商机", True),
    ]
    client.force_login(org.manager)
    page = client.get(
        f"/insights/compliance/lead_followup/?month=2026-10&owner={org.rep.pk}"
    ).content.decode()
    assert page.count('data-testid="record-missed"') == 1 and "客户 4" in page
    assert client.get("/insights/compliance/nonsense/?month=2026-10").status_code == 404
    assert (
        client.get(f"/insights/compliance/?month=2026-10&owner={org.outsider.pk}").status_code
        == 404
    )
    card = client.get("/insights/compliance/?month=2026-10").content.decode()
    assert "56.3" in card and "64.3" in card


def test_the_records_behind_a_number_stream_as_csv(client, org, october):
    client.force_login(org.manager)
    response = client.get("/insights/compliance/lead_followup/?month=2026-10&format=csv")
    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 5  # the rep's four leads and the teammate's one
    assert any("客户 4" in line and line.count(",") >= 3 for line in lines)


def test_every_record_behind_every_measure_opens_for_the_reader(client, org, october):
    # An approved quote that was handed over outside salesop (never marked sent) still counts.
    Quote.objects.filter(deal__name="完整的商机").update(sent_at=None)
    scope = compliance_scope(org.manager, OCTOBER)
    assert [i.ok for i in items(scope, "quotes")] == [True]
    client.force_login(org.manager)
    opened = 0
    for measure in COLLECTORS:
        for item in items(scope, measure):
            path, _hash, _anchor = item.url.partition("#")
            assert client.get(path).status_code == 200, (measure, item.url)
            opened += 1
    assert opened >= 8


def test_the_database_counts_what_the_records_say(org, october):
    """Scorecards count in SQL, drill-downs list records in Python: the same records, the same
    verdicts, for every measure and person (edge cases added: a lead never contacted, one not
    due yet, first contacts a microsecond either side of the SLA, a ticket whose clocks still
    run, a move refused nothing but with an override)."""
    from collections import Counter

    from django.utils import timezone

    from salesop.insights.compliance import _counted

    Lead.objects.create(
        owner=org.rep,
        team=org.rep.team,
        channel=make_channel(),
        company_name="没联系",
        created_at=at(6),
    )
    Lead.objects.create(
        owner=org.rep,
        team=org.rep.team,
        channel=make_channel(),
        company_name="刚来",
        created_at=timezone.now() - timedelta(hours=1),
    )
    Ticket.objects.create(
        owner=org.teammate,
        team=org.teammate.team,
        account=Revisit.objects.first().account,
        channel="phone",
        severity="normal",
        title="还在处理",
        description="…",
        opened_at=at(12),
        first_response_due_at=timezone.now() + timedelta(days=1),
        direction_due_at=timezone.now() + timedelta(days=2),
    )
    # first contacts at the SLA's bound, to the microsecond (the count is exact, as the list)
    sla = timedelta(hours=first_contact_hours(active_playbook()))
    created = at(6) + timedelta(microseconds=999_999)
    for over in (0, 1, 1_000, -1_000, 500_000, 1_000_000, -999_999):
        Lead.objects.create(
            owner=org.rep,
            team=org.rep.team,
            channel=make_channel(),
            company_name=f"边界 {over}",
            created_at=created,
            first_contacted_at=created + sla + timedelta(microseconds=over),
        )
    for period in (OCTOBER, month_period(timezone.localdate().year, timezone.localdate().month)):
        scope = compliance_scope(org.manager, period)
        counted = _counted(scope)
        for measure, collect in COLLECTORS.items():
            if measure not in counted:
                continue
            listed = Counter()
            for item in collect(scope):
                listed[(item.owner_id, "ok")] += item.ok
                listed[(item.owner_id, "n")] += 1
            summed = Counter()
            for owner_id, ok, n in counted[measure]:
                summed[(owner_id, "ok")] += ok
                summed[(owner_id, "n")] += n
            assert +summed == +listed, (period, measure)
