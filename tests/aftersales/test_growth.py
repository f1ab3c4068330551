"""Revisit schedules per tier (and replanning on a tier change), recording a revisit, new
needs followed up, the ICS feed, growth stage rules and recommendations from a known
co-purchase fixture."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from salesop.aftersales.growth import (
    co_purchases,
    recommendation_accept,
    recommendations,
    stage_set,
    suggest_stage,
)
from salesop.aftersales.models import Opportunity, Revisit, RevisitStatus
from salesop.aftersales.revisits import (
    calendar_feed_create,
    calendar_ics,
    calendar_user,
    revisit_dates,
    revisit_record,
    revisit_to_deal,
    revisit_to_lead,
    revisits_plan,
)
from salesop.aftersales.surveys import survey_answer, survey_send
from salesop.aftersales.tickets import ticket_open
from salesop.core.errors import DomainError
from salesop.core.testing import make_account, make_channel, make_product
from salesop.customers.services import account_update
from salesop.playbook.loader import yaml_data, yaml_text

pytestmark = pytest.mark.django_db


def test_revisit_dates_cover_the_next_year():
    today = date(2026, 11, 26)
    assert revisit_dates(today, 90, today) == [
        date(2027, 2, 24),
        date(2027, 5, 25),
        date(2027, 8, 23),
        date(2027, 11, 21),
    ]
    assert revisit_dates(today, 180, today) == [date(2027, 5, 25), date(2027, 11, 21)]
    # A revisit long overdue is due today, not in the past.
    assert revisit_dates(date(2026, 1, 1), 180, today)[0] == today


def planned(account):
    return list(
        Revisit.objects.filter(account=account, status=RevisitStatus.PLANNED).values_list(
            "due_on", flat=True
        )
    )


def test_schedule_per_tier_and_replanned_when_the_tier_changes(org):
    account = make_account(org.rep, tier="key")
    assert revisits_plan(account=account, by=org.rep) == ""
    assert len(planned(account)) == 4  # quarterly
    revisits_plan(account=account, by=org.rep)
    assert len(planned(account)) == 4  # planning again adds nothing
    account_update(account=account, by=org.manager, tier="standard")
    days = planned(account)
    assert len(days) == 2 and days[0] == timezone.localdate() + timedelta(days=180)
    assert set(Revisit.objects.filter(account=account).values_list("tier", flat=True)) == {
        "standard"
    }


def test_a_tier_without_a_cadence_uses_the_default_and_says_so(org):

    from salesop.playbook.services import (
        default_playbook_text,
        playbook_activate,
        playbook_version_create,
    )

    data = yaml_data(default_playbook_text())
    del data["revisit_days"]["strategic"]
    version = playbook_version_create(
        text=yaml_text(data), by=org.ops, comment="no strategic cadence"
    )
    playbook_activate(version=version, by=org.ops)
    account = make_account(org.rep, tier="strategic")
    note = revisits_plan(account=account, by=org.rep)
    assert "180" in note and len(planned(account)) == 2


def test_recording_a_revisit_and_following_up_its_need(org):
    account = make_account(org.rep, tier="key")
    revisits_plan(account=account, by=org.rep)
    revisit = Revisit.objects.filter(account=account).first()
    with pytest.raises(DomainError) as refused:
        revisit_record(revisit=revisit, by=org.rep, form="visit", competitor_news="竞品降价")
    assert set(refused.value.fields) == {"competitor"}
    revisit_record(
        revisit=revisit,
        by=org.rep,
        form="salon",
        product_experience="拣货效率提升明显",
        new_needs="苏州新仓明年上线,需要多仓库存协同",
        competitor_news="竞品 A 报价下调 15%",
        competitor="竞品 A",
    )
    revisit.refresh_from_db()
    assert revisit.status == RevisitStatus.DONE and revisit.competitor == "竞品 A"
    opportunity = revisit_to_deal(revisit=revisit, by=org.rep)
    assert opportunity.deal.account == account and opportunity.source == "revisit"
    assert opportunity.deal.name.startswith(account.name) and "苏州新仓" in opportunity.deal.name
    with pytest.raises(DomainError):  # one follow-up per need
        revisit_to_lead(revisit=revisit, by=org.rep)


def test_a_need_can_become_a_lead_in_the_pool(org):
    make_channel(name="老客户复购", category="internal", kind="repurchase")
    account = make_account(org.rep, tier="standard")
    revisits_plan(account=account, by=org.rep)
    revisit = Revisit.objects.filter(account=account).first()
    revisit_record(revisit=revisit, by=org.rep, form="questionnaire", new_needs="需要移动端盘点")
    lead = revisit_to_lead(revisit=revisit, by=org.rep).lead
    assert lead.company_name == account.name and "移动端盘点" in lead.notes


def test_calendar_feed_lists_planned_revisits_and_dies_when_replaced(org):
    account = make_account(org.rep, tier="key")
    revisits_plan(account=account, by=org.rep, owner=org.rep)
    token = calendar_feed_create(user=org.rep)
    assert calendar_user(token) == org.rep
    ics = calendar_ics(org.rep, "https://crm.example.com").decode()
    assert ics.count("BEGIN:VEVENT") == 4 and account.name in ics
    calendar_feed_create(user=org.rep)
    assert calendar_user(token) is None


def test_feed_url_with_a_revoked_token_is_404(client, org):
    token = calendar_feed_create(user=org.rep)
    assert client.get(f"/support/calendar/{token}.ics").status_code == 200
    calendar_feed_create(user=org.rep)
    assert client.get(f"/support/calendar/{token}.ics").status_code == 404


def test_stage_rules_suggest_at_risk_and_expansion(org):
    account = make_account(org.rep, tier="key")
    assert suggest_stage(account) is None
    ticket = ticket_open(
        account=account,
        by=org.rep,
        channel="phone",
        severity="urgent",
        title="宕机",
        description="系统无法登录",
        opened_at=timezone.now() - timedelta(hours=8),
    )
    survey, token = survey_send(by=org.rep, trigger="ticket", ticket=ticket)
    survey_answer(token=token, nps=3, csat=2)
    stage, why = suggest_stage(account)
    assert stage == "at_risk" and "NPS 为 3" in why
    Revisit.objects.create(
        account=account,
        owner=org.rep,
        due_on=timezone.localdate(),
        tier="key",
        status=RevisitStatus.DONE,
        done_on=timezone.localdate(),
        new_needs="多仓协同",
    )
    Revisit.objects.create(
        account=account,
        owner=org.rep,
        due_on=timezone.localdate(),
        tier="key",
        status=RevisitStatus.DONE,
        done_on=timezone.localdate(),
        new_needs="移动盘点",
    )
    ticket.delete()
    assert suggest_stage(account)[0] == "expansion"


def test_co_purchase_counts_on_a_known_fixture():
    bought = {1: {10, 20}, 2: {10, 20, 30}, 3: {10, 30}, 4: {40}, 5: {20, 30}}
    assert co_purchases(bought, {10}) == {20: 2, 30: 2}
    assert co_purchases(bought, {20}) == {10: 2, 30: 2}
    assert co_purchases(bought, {40}) == {}


def test_recommendations_give_reasons_and_accepting_one_opens_a_deal(org):
    from salesop.contracts.models import Contract
    from salesop.core.testing import make_deal

    wms = make_product("WMS-LIC", family="wms")
    train = make_product("TRAIN-DAY", name="培训", family="services", list_price="8000")
    impl = make_product("IMPL-SVC", name="实施服务", family="services", list_price="300000")
    customers = []
    for i, products in enumerate([(wms, impl), (wms, impl), (wms,)]):
        account = make_account(org.rep, name=f"客户 {i}")
        deal = make_deal(org.rep, account=account, name=f"项目 {i}")
        from salesop.pricing.services import quote_create

        quote = quote_create(deal=deal, by=org.rep, lines=[{"product_id": p.pk} for p in products])
        Contract.objects.create(  # a signed contract's quote: what the customer bought
            deal=deal,
            quote=quote,
            template=_template(org),
            customer=account.name,
            amount=Decimal(1),
            payment_term_days=30,
            created_by=org.rep,
            status="signed",
        )
        customers.append(account)
    me = customers[2]
    stage_set(account=me, by=org.rep, stage="onboarding")
    picks = recommendations(me)
    assert [(r.product.code, r.source) for r in picks] == [
        ("TRAIN-DAY", "stage"),
        ("IMPL-SVC", "co_purchase"),
    ]
    assert "2" in picks[1].reason
    opportunity = recommendation_accept(
        account=me, by=org.rep, product=impl, reason=picks[1].reason
    )
    assert (
        opportunity.deal.amount == Decimal("300000.00") and opportunity.source == "recommendation"
    )
    assert [r.product.code for r in recommendations(me)] == ["TRAIN-DAY"]
    assert Opportunity.objects.count() == 1 and train.pk


def _template(org):
    from salesop.contracts.models import ContractTemplate
    from salesop.core.testing import make_template

    return ContractTemplate.objects.first() or make_template(org.ops)


def test_customer_success_turns_a_need_into_a_deal_they_can_open(org):
    from salesop.accounts.models import Role
    from salesop.core.testing import make_user, signed_in
    from salesop.monitor.models import Notification
    from tests.aftersales.test_services import win

    csm = make_user("csm", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,))
    make_user("pm", team=org.sales, roles=(Role.PROJECT_MANAGER,))
    account = win(org).account
    revisits_plan(account=account, by=org.rep, owner=csm)
    revisit = Revisit.objects.filter(account=account).first()
    revisit_record(revisit=revisit, by=csm, form="visit", new_needs="苏州新仓需要多仓库存协同")
    client = signed_in(csm)
    followed = client.post(f"/delivery/revisits/{revisit.pk}/follow-up/", {"as": "deal"})
    assert followed.status_code == 302
    deal = Opportunity.objects.get(revisit=revisit).deal
    assert followed["Location"] == f"/deals/{deal.pk}/"
    assert client.get(followed["Location"]).status_code == 200  # not a 404 for who heard it
    assert deal.owner == account.owner and account.name in deal.name and "多仓" in deal.name
    told = Notification.objects.get(user=account.owner, kind="deal.assigned")
    assert deal.name in told.title
