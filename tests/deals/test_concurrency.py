"""Two people move the same deal at the same instant: exactly one move happens."""

import threading

import pytest
from django.db import connection

from salesop.core.errors import StaleWrite
from salesop.core.testing import at_once, make_deal, make_org, signed_in, tick_stage
from salesop.deals.models import Deal, StageEvent
from salesop.deals.services import deal_mark_lost, deal_move

pytestmark = pytest.mark.postgres


def race(*actions):
    """Runs each action in its own thread and connection, released together."""
    barrier = threading.Barrier(len(actions))
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except StaleWrite:
            outcomes.append("stale")
        finally:
            from django.db import connections

            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_one_wins():
    assert connection.vendor == "postgresql"
    org = make_org()
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    tick_stage(deal, org.rep, "solution")
    first, second = Deal.objects.get(pk=deal.pk), Deal.objects.get(pk=deal.pk)
    outcomes = race(
        lambda: deal_move(deal=first, to_stage="solution", by=org.rep),
        lambda: deal_move(deal=second, to_stage="negotiation", by=org.manager),
    )
    assert outcomes == ["ok", "stale"]
    assert StageEvent.objects.filter(deal=deal, kind="moved").count() == 1
    assert Deal.objects.get(pk=deal.pk).version == 2


@pytest.mark.django_db(transaction=True)
def test_move_and_lose_race_leaves_one_consistent_outcome():
    org = make_org()
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    a, b = Deal.objects.get(pk=deal.pk), Deal.objects.get(pk=deal.pk)
    outcomes = race(
        lambda: deal_move(deal=a, to_stage="solution", by=org.rep),
        lambda: deal_mark_lost(deal=b, by=org.manager, reason="price"),
    )
    assert outcomes == ["ok", "stale"]
    fresh = Deal.objects.get(pk=deal.pk)
    events = list(StageEvent.objects.filter(deal=deal).exclude(kind="created"))
    assert len(events) == 1 and events[0].to_stage == fresh.stage


@pytest.mark.django_db(transaction=True)
def test_eight_writers_on_one_deal_one_wins_the_rest_get_409_and_nothing_is_lost():
    from auditlog.models import LogEntry

    org = make_org()
    deal = make_deal(org.rep)
    answers = at_once(
        [signed_in(org.rep if n % 2 else org.manager) for n in range(8)],
        lambda n, client: client.patch(
            f"/api/v1/deals/{deal.pk}",
            {"name": f"并发修改 {n}", "expected_version": 1},
            content_type="application/json",
        ),
    )
    winners = [n for n, (status, _body) in answers.items() if status == 200]
    assert len(answers) == 8 and len(winners) == 1
    for status, body in (a for n, a in answers.items() if n not in winners):
        assert status == 409 and "changed" in body["detail"].lower()
    fresh = Deal.objects.get(pk=deal.pk)
    assert fresh.name == f"并发修改 {winners[0]}" and fresh.version == 2
    edits = LogEntry.objects.get_for_object(fresh).filter(action=LogEntry.Action.UPDATE)
    assert edits.count() == 1  # one accepted change, one audit row
