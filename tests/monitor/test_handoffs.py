"""Every hand-off reaches the next person: an inbox entry in their language with a link they can
open (emailed and sent to the chat channels that asked for the kind), never the person who acted,
never one who cannot see the record."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.activities.services import task_create
from salesop.aftersales.models import DeliveryRole
from salesop.aftersales.projects import member_set
from salesop.aftersales.surveys import survey_answer, survey_send
from salesop.aftersales.tickets import ticket_open
from salesop.contracts.legal_review import contract_submit, review_decide
from salesop.contracts.services import clauses_edit, contract_create
from salesop.core.errors import DomainError
from salesop.core.testing import (
    approved_quote,
    make_account,
    make_channel,
    make_deal,
    make_lead,
    make_template,
    make_user,
    signed_in,
)
from salesop.deals.services import deal_create
from salesop.leads.services import lead_assign, lead_create
from salesop.monitor.handoffs import HANDOFF_KINDS
from salesop.monitor.models import Notification, NotificationPreference, WebhookEndpoint
from salesop.pricing.selectors import current_quote
from salesop.pricing.services import approval_decide, quote_create, quote_revise, quote_submit
from tests.aftersales.test_services import delivery, win  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def told(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).order_by("id"))


def opens(user, note) -> str:
    """The page the notification links to, as its reader gets it."""
    response = signed_in(user).get(note.url)
    assert response.status_code == 200, (note.url, response.status_code)
    return response.content.decode()


def discounted_quote(org, discount: str):
    deal = make_deal(org.rep, name="华东仓储扩容")
    quote = quote_create(
        deal=deal,
        by=org.rep,
        lines=[
            {"description": "WMS 许可", "list_price": "100000", "discount_pct": discount},
            {"description": "实施服务", "list_price": "50000", "discount_pct": discount},
        ],
    )
    return quote_submit(quote=quote, by=org.rep)


def test_a_discount_request_reaches_the_manager_once_and_opens_for_them(org):
    quote = discounted_quote(org, "15")
    assert quote.approvals.count() == 2  # two lines beyond the rep's limit
    [note] = told(org.manager, "approval.requested")  # one turn, not one per line
    assert "华东仓储扩容" in note.title and note.email_due_at is None  # no email address
    page = opens(org.manager, note)
    assert "华东仓储扩容" in page and "WMS 许可" in page
    assert told(org.rep, "approval.requested") == []  # the one who asked is not told
    assert told(org.other_manager, "approval.requested") == []  # another team's manager
    assert told(org.finance, "approval.requested") == []  # not theirs to decide


def test_finance_sees_the_deal_behind_the_approval_read_only(org):
    quote = discounted_quote(org, "25")
    [note] = told(org.finance, "approval.requested")
    page = opens(org.finance, note)
    assert org.rep.get_full_name() in page and "上海云仓物流有限公司" in page
    assert 'name="decision"' in page  # decided where it is read
    # ... but the pipeline stays the team's: the deal itself is not finance's to open
    assert signed_in(org.finance).get(f"/deals/{quote.deal_id}/").status_code == 404
    # another person's quote is not opened by guessing its number
    assert signed_in(org.outsider).get(note.url).status_code == 404
    for approval in quote.approvals.all():
        response = signed_in(org.finance).post(
            f"/approvals/{approval.pk}/decide/", {"decision": "approve", "back": "quote"}
        )
        assert response.status_code == 302 and response.url == note.url
    [decided] = told(org.rep, "approval.decided")
    assert "Q1-R1" in decided.title
    assert "#quotes" in decided.url
    opens(org.rep, decided)


def test_a_refusal_reaches_the_rep(org):
    quote = discounted_quote(org, "15")
    approval_decide(approval=quote.approvals.first(), by=org.manager, approve=False)
    [note] = told(org.rep, "approval.decided")
    assert "李强" in note.title
    opens(org.rep, note)


def test_an_ask_leaves_the_inbox_once_nobody_needs_to_decide_it(org):
    # The rep revised the quote before the manager read the ask: the manager's inbox kept the
    # old ask, which opened a superseded quote; now only the revision's ask waits for them.
    quote = discounted_quote(org, "15")
    revised = quote_revise(
        quote=quote,
        by=org.rep,
        payment_term_days=30,
        lines=[{"description": "WMS 许可", "list_price": "100000", "discount_pct": "12"}],
    )
    old, new = told(org.manager, "approval.requested")
    assert old.read_at is not None and new.read_at is None
    assert new.url.endswith(f"/{revised.pk}/approvals/")
    # decided, it leaves no ask behind either
    approval_decide(approval=revised.approvals.get(), by=org.manager, approve=True)
    new.refresh_from_db()
    assert new.read_at is not None


def test_an_approver_whose_part_is_done_has_no_ask_left(org):
    # 25 % off on 45 days: finance decides the discount, the manager the term. Finance's ask
    # stayed until the manager decided too; a second finance person's stayed for good.
    finance2 = make_user("finance2", team=org.sales, roles=(Role.FINANCE,))
    deal = make_deal(org.rep, name="华东仓储扩容")
    quote = quote_submit(
        quote=quote_create(
            deal=deal,
            by=org.rep,
            payment_term_days=45,
            lines=[{"description": "WMS 许可", "list_price": "100000", "discount_pct": "25"}],
        ),
        by=org.rep,
    )
    discount = quote.approvals.get(subject="discount")
    approval_decide(approval=discount, by=org.finance, approve=True)
    for person in (org.finance, finance2):
        [note] = told(person, "approval.requested")
        assert note.read_at is not None, person
    [note] = told(org.manager, "approval.requested")
    assert note.read_at is None  # the term still waits for the manager


def test_a_quote_that_needed_no_approval_tells_nobody(org):
    deal = make_deal(org.rep)
    approved_quote(deal, org.rep)
    assert Notification.objects.filter(kind__startswith="approval.").count() == 0


def test_contract_review_goes_to_legal_and_back_to_the_rep(org):
    deal = make_deal(org.rep, name="冷链追溯平台")
    approved_quote(deal, org.rep)
    contract = contract_create(
        deal=deal, quote=current_quote(deal), template=make_template(org.ops), by=org.rep
    )
    clauses_edit(contract=contract, by=org.rep, texts={"ip": "定制开发部分的知识产权归甲方所有。"})
    contract_submit(contract=contract, by=org.rep)
    [asked] = told(org.legal, "contract.submitted")
    assert contract.number in asked.title
    assert "知识产权" in opens(org.legal, asked)

    review_decide(
        contract=contract,
        by=org.legal,
        approve=False,
        decisions=[{"clause": "ip", "verdict": "reject", "comment": "须保留通用组件"}],
    )
    [returned] = told(org.rep, "contract.reviewed")
    assert "退回" in returned.title
    opens(org.rep, returned)

    returned.read_at = timezone.now()
    returned.save()
    contract.refresh_from_db()
    clauses_edit(contract=contract, by=org.rep, texts={"ip": "知识产权归乙方所有。"})
    contract_submit(contract=contract, by=org.rep)
    # the first ask left legal's inbox when they returned it; the second waits for them
    first, second = told(org.legal, "contract.submitted")
    assert first.read_at is not None and second.read_at is None
    review_decide(
        contract=contract,
        by=org.legal,
        approve=True,
        decisions=[{"clause": "ip", "verdict": "accept"}],
    )
    cleared = told(org.rep, "contract.reviewed")[-1]
    assert "签署" in cleared.title
    assert told(org.legal, "contract.reviewed") == []
    second.refresh_from_db()
    assert second.read_at is not None  # decided: nothing waits for legal any more


def test_a_signed_deal_reaches_its_delivery_team_who_read_the_contract(org, delivery):  # noqa: F811
    project = win(org)
    for person in (delivery["pm"], delivery["tech"], delivery["csm"]):
        [note] = told(person, "project.member")
        assert project.name in note.title
        page = opens(person, note)
        assert "WMS 许可" in page  # the signed scope
    contract = project.handover.contract
    page = signed_in(delivery["pm"]).get(f"/contracts/{contract.pk}/")
    assert page.status_code == 200  # read-only: a signed contract changes no more
    # the seller's deal stays the seller's
    assert signed_in(delivery["pm"]).get(f"/deals/{project.deal_id}/").status_code == 404

    late = make_user("csm2", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,))
    member_set(project=project, by=delivery["pm"], role=DeliveryRole.CUSTOMER_SUCCESS, user=late)
    [note] = told(late, "project.member")
    opens(late, note)


def test_a_ticket_from_the_customer_reaches_its_owner(org, delivery):  # noqa: F811
    project = win(org)
    ticket = ticket_open(
        account=project.account,
        project=project,
        by=None,  # the customer, through their link
        channel="portal",
        severity="high",
        title="扫码枪无法连接",
        description="仓库 3 号线",
    )
    [note] = told(delivery["tech"], "ticket.assigned")
    assert ticket.number in note.title
    assert "扫码枪无法连接" in opens(delivery["tech"], note)


def test_a_low_score_reaches_customer_success_and_the_account_owner(org, delivery):  # noqa: F811
    project = win(org)
    milestone = project.milestones.first()
    milestone.done_on = timezone.localdate()
    milestone.save()
    _survey, token = survey_send(by=delivery["pm"], trigger="milestone", milestone=milestone)
    survey_answer(token=token, nps=2, csat=1, comment="上线延期")
    for person in (delivery["csm"], org.rep):
        [note] = told(person, "survey.low_score")
        assert "NPS 2" in note.title
        opens(person, note)


def test_a_lead_handed_to_someone_reaches_them_not_one_taken_oneself(org):
    own = make_lead(org.rep, "宁波港航物流有限公司")
    assert told(org.rep, "lead.assigned") == []
    lead_assign(lead=own, to=org.teammate, by=org.manager)
    [note] = told(org.teammate, "lead.assigned")
    assert "宁波港航物流有限公司" in note.title
    opens(org.teammate, note)
    # handed on before they read it: it leaves their inbox (its link would answer 404)
    lead_assign(lead=own, to=org.rep, by=org.manager)
    note.refresh_from_db()
    assert note.read_at is not None and told(org.rep, "lead.assigned")[-1].read_at is None
    # a lead the web form or an intake hands to its owner (nobody acted): told
    intake = lead_create(
        by=None, channel=make_channel(), company_name="合肥新能源汽车零部件有限公司", owner=org.rep
    )
    note = told(org.rep, "lead.assigned")[-1]
    assert intake.company_name in note.title


def test_a_deal_or_task_made_for_someone_else_reaches_them(org):
    account = make_account(org.rep)
    deal = deal_create(by=org.manager, account=account, name="二期扩容", owner=org.rep)
    [note] = told(org.rep, "deal.assigned")
    assert "李强" in note.title and "二期扩容" in note.title
    opens(org.rep, note)
    task_create(
        by=org.manager, assignee=org.rep, deal=deal, title="周五前回电", due_at=timezone.now()
    )
    [task] = told(org.rep, "task.assigned")
    assert task.url == note.url
    task_create(by=org.rep, title="自己的提醒", due_at=timezone.now() + timedelta(days=1))
    assert len(told(org.rep, "task.assigned")) == 1


def test_the_reader_language_muting_email_and_chat(org):
    org.manager.language = "en"
    org.manager.email = "li.qiang@example.com"
    org.manager.save()
    NotificationPreference.objects.create(user=org.director, muted_kinds=["approval.requested"])
    team_channel = WebhookEndpoint.objects.create(
        name="East approvals",
        kind="wecom",
        url="https://qyapi.example.com/x",
        alert_kinds=["approval.requested"],
        team=org.east,
    )
    WebhookEndpoint.objects.create(
        name="All alerts", kind="wecom", url="https://qyapi.example.com/y"
    )
    WebhookEndpoint.objects.create(
        name="North",
        kind="wecom",
        url="https://qyapi.example.com/z",
        alert_kinds=["approval.requested"],
        team=org.north,
    )
    discounted_quote(org, "15")
    [note] = told(org.manager, "approval.requested")
    assert note.title.startswith("张伟 asks you to approve")
    assert note.email_due_at is not None  # emailed (after quiet hours) by the worker
    [sent] = team_channel.deliveries.all()
    assert sent.payload["event"] == "handoff.approval.requested"
    assert "华东仓储扩容" in sent.payload["text"]
    assert sum(e.deliveries.count() for e in WebhookEndpoint.objects.all()) == 1


def test_someone_who_cannot_open_the_record_is_not_told(org):
    # The manager moved to the north: the east's discount is no longer theirs to decide; a
    # manager who left the company is not told either.
    org.manager.team = org.north
    org.manager.save()
    gone = make_user("gone", team=org.east, roles=(Role.MANAGER,))
    gone.is_active = False
    gone.save()
    east = make_user("east2", team=org.east, roles=(Role.MANAGER,))
    discounted_quote(org, "15")
    assert told(org.manager, "approval.requested") == []
    assert told(gone, "approval.requested") == []
    assert len(told(east, "approval.requested")) == 1


def test_every_handoff_kind_has_a_label_in_both_languages():
    from django.utils import translation

    for kind in HANDOFF_KINDS.values():
        with translation.override("zh-hans"):
            chinese = str(kind.label)
        with translation.override("en"):
            english = str(kind.label)
        assert chinese != english, kind.key


def test_news_replaces_an_unread_hand_off_about_the_same_thing(org):
    # Returned, fixed and cleared while the rep had not read "returned": the rep's inbox says
    # cleared (one entry, the news), and so does a quote refused, revised and approved.
    deal = make_deal(org.rep, name="冷链追溯平台")
    approved_quote(deal, org.rep)
    contract = contract_create(
        deal=deal, quote=current_quote(deal), template=make_template(org.ops), by=org.rep
    )
    clauses_edit(contract=contract, by=org.rep, texts={"ip": "定制开发部分的知识产权归甲方所有。"})
    contract_submit(contract=contract, by=org.rep)
    review_decide(
        contract=contract,
        by=org.legal,
        approve=False,
        decisions=[{"clause": "ip", "verdict": "reject", "comment": "须保留通用组件"}],
    )
    contract.refresh_from_db()
    clauses_edit(contract=contract, by=org.rep, texts={"ip": "知识产权归乙方所有。"})
    contract_submit(contract=contract, by=org.rep)
    review_decide(
        contract=contract,
        by=org.legal,
        approve=True,
        decisions=[{"clause": "ip", "verdict": "accept"}],
    )
    [note] = told(org.rep, "contract.reviewed")
    assert "签署" in note.title and note.read_at is None

    channel = WebhookEndpoint.objects.create(
        name="Deals",
        kind="wecom",
        url="https://qyapi.example.com/d",
        alert_kinds=["approval.decided"],
    )
    quote = discounted_quote(org, "15")
    approval_decide(approval=quote.approvals.first(), by=org.manager, approve=False)
    quote.refresh_from_db()
    revised = quote_revise(
        quote=quote,
        by=org.rep,
        payment_term_days=30,
        lines=[
            {"description": "WMS 许可", "list_price": "100000", "discount_pct": "12"},
            {"description": "实施服务", "list_price": "50000", "discount_pct": "12"},
        ],
    )
    assert len(told(org.manager, "approval.requested")) == 2  # one a revision, not one a line
    for approval in revised.approvals.all():
        approval_decide(approval=approval, by=org.manager, approve=True)
    [decided] = told(org.rep, "approval.decided")
    assert "已批准" in decided.title
    assert channel.deliveries.count() == 2  # refused, then approved


def test_a_refused_quote_tells_the_rep_what_was_refused_and_why(org):
    quote = discounted_quote(org, "15")
    approval_decide(
        approval=quote.approvals.first(), by=org.manager, approve=False, comment="最多让 10%"
    )
    [note] = told(org.rep, "approval.decided")
    assert "折扣 15%" in note.title and "最多让 10%" in note.title, note.title


def test_what_a_customer_types_reaches_chat_as_words_not_markup(org):
    # A correction through the recap link was posted to the team's chat word for word: a
    # markdown link to anywhere, a Slack channel-wide ping, 5,000 characters past WeCom's limit.
    from salesop.customers.models import Contact
    from salesop.deals.discovery import services as discovery
    from salesop.monitor.models import WebhookDelivery
    from salesop.monitor.rules import webhook_request

    WebhookEndpoint.objects.create(
        name="Deals",
        kind="wecom",
        url="https://qyapi.example.com/d",
        alert_kinds=["recap.answered"],
    )
    deal = make_deal(org.rep, name="华东仓储扩容")
    discovery.recap_save(deal=deal, by=org.rep, text="您的意思是:扫码入库")
    contact = Contact.objects.create(account=deal.account, name="周总")
    _link, token = discovery.recap_send(deal=deal, by=org.rep, contact=contact)
    words = "[点此查看新报价](http://evil.example/phish) <!here> **急**\n# 标题 " + "长" * 5000
    discovery.recap_answer(token=token, confirmed=False, words=words)
    posted = WebhookDelivery.objects.get(event="handoff")
    _url, _headers, body = webhook_request(
        "wecom", "https://qyapi.example.com/d", "", posted.payload
    )
    sent = body.decode()
    for markup in ("](", "<!here>", "**", "\\n# "):
        assert markup not in sent, markup
    assert "点此查看新报价" in sent and len(posted.payload["title"]) <= 300


def test_a_lost_deals_approvals_wait_for_nobody(org):
    from salesop.deals.services import deal_mark_lost
    from salesop.pricing.models import ApprovalStatus

    quote = discounted_quote(org, "15")
    deal_mark_lost(deal=quote.deal, by=org.rep, reason="no_budget", note="")
    assert set(quote.approvals.values_list("status", flat=True)) == {ApprovalStatus.VOID}
    [ask] = told(org.manager, "approval.requested")
    assert ask.read_at is not None
    with pytest.raises(DomainError):  # and nobody approves it afterwards
        approval_decide(approval=quote.approvals.first(), by=org.manager, approve=True)
    assert told(org.rep, "approval.decided") == []
