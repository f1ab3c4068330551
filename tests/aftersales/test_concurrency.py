"""People answering the same ticket at the same instant: one wins, the others are told it
changed (409), nothing is lost or recorded twice."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client

from salesop.aftersales.models import Ticket
from salesop.aftersales.tickets import ticket_open
from salesop.core.testing import at_once, make_account, make_org, signed_in


def open_ticket(org) -> Ticket:
    return ticket_open(
        account=make_account(org.rep),
        by=org.rep,
        channel="phone",
        severity="high",
        title="系统登录异常",
        description="客户反馈无法登录",
    )


def post(client, url, body):
    return client.post(f"/api/v1{url}", body, content_type="application/json")


@pytest.mark.django_db
def test_a_direction_given_on_a_stale_read_answers_409_and_changes_nothing(org):
    ticket = open_ticket(org)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.manager)
    first = post(
        client, f"/tickets/{ticket.pk}/responses", {"body": "已收到", "expected_version": 1}
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = post(
        client, f"/tickets/{ticket.pk}/direction", {"direction": "重启服务", "expected_version": 1}
    )
    assert stale.status_code == 409 and "changed" in stale.json()["detail"].lower()
    assert Ticket.objects.get(pk=ticket.pk).direction_at is None
    late = client.post(
        f"/api/v1/tickets/{ticket.pk}/resolve", {"expected_version": 1}, "application/json"
    )
    assert late.status_code == 409
    given = post(
        client, f"/tickets/{ticket.pk}/direction", {"direction": "重启服务", "expected_version": 2}
    )
    assert given.status_code == 200 and given.json()["status"] == "direction"
    resolved = client.post(f"/api/v1/tickets/{ticket.pk}/resolve", "", "application/json")
    assert resolved.status_code == 200  # without a body, as before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_people_giving_the_direction_at_once_one_wins_the_rest_get_409():
    assert connection.vendor == "postgresql"
    org = make_org()
    ticket = open_ticket(org)
    audited = LogEntry.objects.get_for_object(ticket).count()
    clients = [signed_in(org.manager if n % 2 else org.ops) for n in range(8)]
    answers = at_once(
        clients,
        lambda n, client: post(
            client,
            f"/tickets/{ticket.pk}/direction",
            {"direction": f"解决方向 {n}", "expected_version": ticket.version},
        ),
    )
    winners = [n for n, (status, _body) in answers.items() if status == 200]
    assert len(answers) == 8 and len(winners) == 1, answers
    for status, body in (a for n, a in answers.items() if n not in winners):
        assert status == 409 and "changed" in body["detail"].lower()
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.direction == f"解决方向 {winners[0]}" and fresh.version == ticket.version + 1
    entries = LogEntry.objects.get_for_object(fresh)
    assert entries.count() == audited + 1  # one accepted change, one audit row
    assert entries.first().changes_dict["direction"] == ["", fresh.direction]
