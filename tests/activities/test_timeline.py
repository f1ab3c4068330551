"""One story per lead → deal → company: the timeline on each page holds what every app recorded
about it, newest first, as far as the reader may see."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.activities.services import activity_log
from salesop.aftersales.models import Revisit
from salesop.aftersales.revisits import revisit_record, revisits_plan
from salesop.aftersales.surveys import survey_answer, survey_send
from salesop.aftersales.tickets import ticket_open
from salesop.core.testing import (
    in_zone,
    make_deal,
    make_lead,
    make_user,
    sign_contract,
    signed_in,
    tick_stage,
    timeline_of,
)
from salesop.deals.services import deal_move
from salesop.leads.services import lead_convert, lead_qualify

pytestmark = pytest.mark.django_db


def _texts(html: str) -> list[str]:
    """The timeline's entries as their visible text, top to bottom."""
    timeline = html[html.index('data-testid="timeline"') :]
    items = re.split(r'<div class="list-group-item', timeline)[1:]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def _story(user, record) -> list[str]:
    """What `user` reads on the record's timeline (its card loads it when scrolled to)."""
    page = signed_in(user).get(record.get_absolute_url()).content.decode()
    assert 'data-testid="timeline-loading"' in page  # not read with the page
    return _texts(timeline_of(signed_in(user), record))


def _position(texts: list[str], words: str) -> int:
    found = [i for i, text in enumerate(texts) if words in text]
    assert found, f"{words!r} not on the timeline: {texts}"
    return found[0]


@pytest.fixture
def story(org):
    """A lead from its first call to a delivered, surveyed and revisited customer."""
    make_user("pm", team=org.sales, roles=(Role.PROJECT_MANAGER,))
    make_user("csm", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,))
    lead = make_lead(org.rep)
    activity_log(
        by=org.rep, account=None, lead=lead, kind="call", subject="首次电话", outcome="positive"
    )
    lead.refresh_from_db()
    lead_qualify(lead=lead, by=org.rep, bant={"budget": "confirmed", "authority": "decision_maker"})
    deal = lead_convert(lead=lead, by=org.rep, deal_name="MES 一期", amount=Decimal("480000"))
    deal.expected_close_date = timezone.localdate() + timedelta(days=30)
    deal.save(update_fields=["expected_close_date"])
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    sign_contract(deal, org.rep)
    deal.refresh_from_db()
    account = deal.account
    ticket = ticket_open(
        account=account,
        by=org.rep,
        channel="phone",
        severity="urgent",
        title="扫码枪无法连接",
        description="仓库二号线扫码枪掉线",
    )
    survey, token = survey_send(by=org.rep, trigger="ticket", ticket=ticket)
    survey_answer(token=token, nps=9, csat=5, comment="响应很快")
    account.tier = "key"
    account.save(update_fields=["tier"])
    revisits_plan(account=account, by=org.rep)
    revisit_record(
        revisit=Revisit.objects.filter(account=account).first(),
        by=org.rep,
        form="visit",
        new_needs="苏州新仓明年上线",
    )
    return lead, deal


def test_the_deal_page_tells_the_deal_from_the_leads_first_call_to_delivery(org, story):
    lead, deal = story
    texts = _story(org.rep, deal)
    newest_first = [
        "Delivery project started",
        "Contract signed",
        "Contract sent to the customer for signature",
        "Contract cleared",
        "Contract drafted",
        "Moved from Negotiation",
        "Moved from Discovery",
        "Converted to a deal",
        "Deal created at",
        "首次电话",
        "Lead came in",
    ]
    positions = [_position(texts, words) for words in newest_first]
    assert positions == sorted(positions), "\n".join(texts)
    assert any("Deal won" in text for text in texts)
    assert any("Quote drafted" in text for text in texts)


def test_the_company_page_adds_what_came_after_the_sale(org, story):
    lead, deal = story
    in_zone("America/New_York", org.rep)  # a revisit is of its day, wherever one reads it
    texts = _story(org.rep, deal.account)
    for words in ("Ticket opened", "Survey answered", "NPS 9", "Revisit done", "苏州新仓"):
        _position(texts, words)
    revisit = Revisit.objects.get(account=deal.account, done_on__isnull=False)
    assert revisit.done_on.isoformat() in texts[_position(texts, "Revisit done")]
    # entries of a deal say which deal, since a company has many
    assert "MES 一期" in texts[_position(texts, "Contract signed")]


def test_the_lead_page_keeps_its_own_story(org, story):
    lead, deal = story
    texts = _story(org.rep, lead)
    for words in ("Converted to a deal", "首次电话", "Lead came in"):
        _position(texts, words)
    assert not any("Contract signed" in text for text in texts)


def test_a_deal_the_reader_does_not_see_stays_off_the_company_timeline(org, story):
    _, deal = story
    hidden = make_deal(org.outsider, account=deal.account, name="北方仓扩容")
    tick_stage(hidden, org.outsider)
    deal_move(deal=hidden, to_stage="solution", by=org.outsider)
    rep = signed_in(org.rep)
    assert "北方仓扩容" not in rep.get(f"/customers/{deal.account_id}/").content.decode()
    assert "北方仓扩容" not in timeline_of(rep, deal.account)
    # nor its activities (the recap sent on it) through the API
    listed = rep.get(f"/api/v1/accounts/{deal.account_id}/activities").json()
    assert listed and not any(row["deal_id"] == hidden.pk for row in listed)
    assert "北方仓扩容" in timeline_of(signed_in(org.outsider), hidden)


def test_the_timeline_reads_the_same_few_queries_however_long_the_story(org, story):
    _, deal = story
    client = signed_in(org.rep)
    with CaptureQueriesContext(connection) as before:
        timeline_of(client, deal.account)
    for i in range(3):
        ticket_open(
            account=deal.account,
            by=org.rep,
            channel="phone",
            severity="urgent",
            title=f"问题 {i}",
            description="掉线",
        )
        another = make_deal(org.rep, account=deal.account, name=f"二期 {i}")
        tick_stage(another, org.rep)
        deal_move(deal=another, to_stage="solution", by=org.rep)
    with CaptureQueriesContext(connection) as after:
        assert "二期 2" in timeline_of(client, deal.account)
    assert len(after) == len(before)


def test_what_is_logged_on_a_converted_lead_is_its_deals_not_the_companys(org):
    # Another team's rep turns a lead for our customer into their deal; a call or task logged
    # on that lead afterwards went to the company with no deal, in sight of everyone who sees
    # the company.
    from salesop.activities.services import task_create
    from salesop.core.errors import DomainError
    from salesop.core.testing import make_account
    from salesop.leads.services import lead_assign

    account = make_account(org.rep, "上海云仓物流有限公司")
    lead = make_lead(org.outsider, company="上海云仓物流有限公司")
    activity_log(
        by=org.outsider,
        account=None,
        lead=lead,
        kind="call",
        subject="首次电话",
        outcome="positive",
    )
    lead.refresh_from_db()
    lead_qualify(
        lead=lead, by=org.outsider, bant={"budget": "confirmed", "authority": "decision_maker"}
    )
    deal = lead_convert(lead=lead, by=org.outsider, deal_name="北方仓", amount=Decimal("1"))
    call = activity_log(
        by=org.outsider,
        account=None,
        lead=lead,
        kind="call",
        subject="北方报价底线",
        outcome="neutral",
    )
    task = task_create(by=org.outsider, title="北方合同跟进", due_at=timezone.now(), lead=lead)
    assert call.deal == deal and task.deal == deal and call.account == account
    rep = signed_in(org.rep)
    page = rep.get(f"/customers/{account.pk}/").content.decode() + timeline_of(rep, account)
    assert "北方报价底线" not in page and "北方合同跟进" not in page
    assert "北方报价底线" in timeline_of(signed_in(org.outsider), deal)
    with pytest.raises(DomainError):  # the deal is handed over, not the converted lead
        lead_assign(lead=lead, to=org.rep, by=org.ops)


def test_a_lost_deal_says_why_and_a_reopened_one_says_who_brought_it_back_and_why(org):
    from salesop.deals.services import deal_mark_lost, deal_reopen

    deal = make_deal(org.rep)
    deal_mark_lost(deal=deal, by=org.rep, reason="price", note="贵了 20%")
    deal_reopen(deal=deal, by=org.manager, reason="客户预算批下来了")
    deal_mark_lost(deal=deal, by=org.rep, reason="competitor", competitor="用友", note="便宜三成")
    texts = _story(org.rep, deal)
    last = texts[_position(texts, "Deal lost: Chose a competitor")]
    assert "to 用友" in last and "便宜三成" in last
    earlier = texts[_position(texts, "Deal lost: Price too high")]
    assert "用友" not in earlier  # what the deal says now is the last loss's
    reopened = texts[_position(texts, "Deal reopened at")]
    assert "客户预算批下来了" in reopened and "overridden" not in reopened


def test_a_timeline_is_404_for_who_may_not_see_its_record_and_a_page_without_htmx(org):
    deal = make_deal(org.rep)
    for kind, pk in (("deal", deal.pk), ("account", deal.account_id), ("contract", deal.pk)):
        assert signed_in(org.outsider).get(f"/activities/{kind}/{pk}/timeline/").status_code == 404
    page = signed_in(org.rep).get(f"/activities/deal/{deal.pk}/timeline/").content.decode()
    assert "<html" in page and 'data-testid="timeline"' in page


def test_a_card_loading_after_the_session_ended_sends_the_page_to_the_login(org, client):
    """htmx would follow the login redirect and swap the login page into the card: the
    browser goes to the login instead, and comes back to the page the card is on."""
    deal = make_deal(org.rep)
    for url in (f"/activities/deal/{deal.pk}/timeline/", f"/history/deals.deal/{deal.pk}/"):
        answer = client.get(
            url,
            secure=True,
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL=f"https://testserver/deals/{deal.pk}/",
        )
        assert answer.status_code == 200 and not answer.content, url
        assert answer["HX-Redirect"] == f"/login/?next=/deals/{deal.pk}/", url
    plain = client.get(f"/activities/deal/{deal.pk}/timeline/", secure=True)
    assert plain.status_code == 302 and plain["Location"].startswith("/login/")
