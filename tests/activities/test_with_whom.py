"""Whom an activity was with: a meeting or call with the decision maker on a deal counts as
engaging them; people of another company are refused by name."""

from datetime import datetime

import pytest

from salesop.activities.services import activity_log
from salesop.core.errors import DomainError
from salesop.core.testing import make_account, make_deal, signed_in
from salesop.customers.models import Contact
from salesop.deals.criteria import decision_maker_engaged
from salesop.deals.discovery.services import stakeholder_add
from salesop.deals.rules import GateContext
from salesop.deals.selectors import playbook_of

pytestmark = pytest.mark.django_db


def engaged(deal) -> bool:
    stage = playbook_of(deal).stage(deal.stage)
    return decision_maker_engaged(GateContext(deal=deal, stage=stage)) is None


def test_a_meeting_with_the_decision_maker_engages_them(org):
    deal = make_deal(org.rep)
    boss = stakeholder_add(
        deal=deal, by=org.rep, role="decision_maker", new_contact_name="周总"
    ).contact
    assert not engaged(deal)
    activity_log(
        by=org.rep,
        account=deal.account,
        deal=deal,
        kind="email",
        subject="发资料",
        outcome="neutral",
        contacts=[boss],
    )
    assert not engaged(deal)  # an email is not a conversation
    meeting = activity_log(
        by=org.rep,
        account=deal.account,
        deal=deal,
        kind="meeting",
        subject="高层会谈",
        outcome="positive",
        contacts=[boss],
    )
    assert engaged(deal)
    assert deal.stakeholders.get(contact=boss).last_engaged_at == meeting.occurred_at


def test_the_page_and_the_api_record_whom_and_refuse_strangers(org):
    deal = make_deal(org.rep)
    boss = stakeholder_add(
        deal=deal, by=org.rep, role="decision_maker", new_contact_name="周总"
    ).contact
    stranger = Contact.objects.create(account=make_account(org.outsider, "别家公司"), name="X")
    client = signed_in(org.rep)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'name="contacts" value="{boss.pk}"' in page
    refused = client.post(
        f"/activities/deal/{deal.pk}/log/",
        {
            "kind": "call",
            "subject": "电话",
            "outcome": "neutral",
            "duration_minutes": 5,
            "contacts": [stranger.pk],
        },
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422 and not deal.activities.exists()
    api = client.post(
        f"/api/v1/deals/{deal.pk}/activities",
        {"kind": "call", "subject": "电话", "outcome": "neutral", "contact_ids": [stranger.pk]},
        content_type="application/json",
    )
    assert api.status_code == 422 and "contact_ids" in api.content.decode()
    assert "别家公司" not in api.content.decode() and not deal.activities.exists()
    done = client.post(
        f"/api/v1/deals/{deal.pk}/activities",
        {"kind": "visit", "subject": "拜访周总", "outcome": "positive", "contact_ids": [boss.pk]},
        content_type="application/json",
    )
    assert done.status_code == 201 and done.json()["contact_ids"] == [boss.pk]
    call = {"kind": "call", "subject": "回电", "outcome": "neutral"}
    naive = client.post(  # a time without its zone is read in the reader's zone
        f"/api/v1/deals/{deal.pk}/activities",
        {**call, "occurred_at": "2026-01-05T10:00"},
        content_type="application/json",
    )
    assert naive.status_code == 201  # read as 10:00 where the reader is (was a 500)
    when = datetime.fromisoformat(naive.json()["occurred_at"])
    assert when.tzinfo is not None and (when.hour, when.minute) == (10, 0)
    assert engaged(deal)
    with pytest.raises(DomainError):
        activity_log(
            by=org.rep,
            account=deal.account,
            deal=deal,
            kind="call",
            subject="x",
            outcome="neutral",
            contacts=[stranger],
        )
