"""The deal pages: list with filters, board, deal page with checklist, gate and history."""

import re
from decimal import Decimal

import pytest

from salesop.core.testing import make_account, make_deal, needs_at_both_layers, tick_stage
from salesop.deals.models import Deal
from salesop.deals.services import deal_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(client, org):
    client.force_login(org.rep)
    return client


def test_deal_page_shows_checklist_gate_and_history(rep, org):
    deal = make_deal(org.rep)
    html = rep.get(f"/deals/{deal.pk}/").content.decode()
    assert "沟通前准备" in html and "复述需求并获客户确认" in html
    assert 'data-testid="gate-solution"' in html and "disabled" in html
    assert 'data-testid="stage-history"' in html


def test_ticking_through_htmx_updates_the_panel(rep, org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    response = rep.post(
        f"/deals/{deal.pk}/checklist/",
        {"stage": "solution", "item": "role_emphasis", "done": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="stage-panel"' in response.content.decode()
    assert deal.ticks.filter(item="role_emphasis", by=org.rep).exists()
    rep.post(
        f"/deals/{deal.pk}/checklist/",
        {"stage": "solution", "item": "role_emphasis"},
        HTTP_HX_REQUEST="true",
    )
    assert not deal.ticks.filter(stage="solution").exists()


def test_an_evidence_item_ticks_itself_and_is_not_ticked_by_hand(rep, org):
    deal = make_deal(org.rep)
    page = rep.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="evidence-needs_recorded"' in page
    refused = rep.post(
        f"/deals/{deal.pk}/checklist/",
        {"stage": "discovery", "item": "needs_recorded", "done": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422 and "自动勾选" in refused.content.decode()
    assert not deal.ticks.exists()
    needs_at_both_layers(deal, org.rep)
    page = rep.get(f"/deals/{deal.pk}/").content.decode()
    row = page[page.index('data-testid="evidence-needs_recorded"') :][:900]
    assert " checked" in row and "记录了表层和深层需求" in row
    deal.needs.filter(kind="feature").delete()  # the evidence goes: the tick goes with it
    page = rep.get(f"/deals/{deal.pk}/").content.decode()
    row = page[page.index('data-testid="evidence-needs_recorded"') :][:900]
    assert " checked" not in row and "表层需求" in row


def test_unknown_item_from_a_page_is_refused(rep, org):
    deal = make_deal(org.rep)
    response = rep.post(
        f"/deals/{deal.pk}/checklist/",
        {"stage": "discovery", "item": "made_up", "done": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert not deal.ticks.exists()


def test_each_unmet_criterion_links_to_where_it_is_met(rep, org):
    # A refusal says what is missing and where to do it, on the deal page and on the board.
    deal = make_deal(org.rep, amount=None)
    page = rep.get(f"/deals/{deal.pk}/").content.decode()
    refusal = rep.post(
        f"/deals/{deal.pk}/move/", {"to_stage": "solution"}, HTTP_X_REQUESTED_WITH="fetch"
    ).content.decode()
    for html in (page, refusal):
        amount = re.search(r'<li data-criterion="deal.amount_set">.*?</li>', html, re.S)
        assert amount and f'href="/deals/{deal.pk}/edit/"' in amount.group()
        recap = re.search(
            r'<li data-criterion="discovery.recap_confirmed_by_customer">.*?</li>', html, re.S
        )
        assert recap and f'href="/deals/{deal.pk}/discovery/"' in recap.group()
    # in the next stage, each checklist item on its own line: the demo the activity log ticks,
    # a box to tick with where the work is done
    tick_stage(deal, org.rep)
    deal.amount = Decimal("480000")
    deal.save(update_fields=["amount"])
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    page = rep.get(f"/deals/{deal.pk}/").content.decode()
    demo = re.search(r'<li data-criterion="activity.demo_logged">.*?</li>', page, re.S)
    assert demo and f'href="/deals/{deal.pk}/#activity-panel"' in demo.group()
    emphasis = re.search(
        r'<li data-criterion="checklist.complete">[^<]*按决策角色.*?</li>', page, re.S
    )
    assert emphasis and f'href="/deals/{deal.pk}/#decision-chain"' in emphasis.group()


def test_board_move_refused_answers_422_with_unmet_criteria(rep, org):
    deal = make_deal(org.rep)
    response = rep.post(
        f"/deals/{deal.pk}/move/", {"to_stage": "solution"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="gate-refusal"' in html and "需求复述" in html
    assert html.count("需求复述") == 1  # the recap's item and criterion say it once
    assert "override_reason" not in html  # a rep cannot override
    tick_stage(deal, org.rep)
    moved = rep.post(
        f"/deals/{deal.pk}/move/", {"to_stage": "solution"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert moved.status_code == 200 and f'data-deal="{deal.pk}"' in moved.content.decode()
    assert Deal.objects.get(pk=deal.pk).stage == "solution"


def test_manager_sees_the_override_form_and_can_use_it(client, org):
    deal = make_deal(org.rep)
    client.force_login(org.manager)
    refused = client.post(
        f"/deals/{deal.pk}/move/", {"to_stage": "solution"}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert "override_reason" in refused.content.decode()
    client.post(
        f"/deals/{deal.pk}/move/", {"to_stage": "solution", "override_reason": "客户已口头确认"}
    )
    assert deal.stage_events.get(kind="moved").override_reason == "客户已口头确认"


def test_board_groups_open_deals_by_stage(rep, org, django_assert_max_num_queries):
    for i in range(5):
        make_deal(org.rep, name=f"商机 {i}", amount=Decimal(100))
    usd = make_deal(org.rep, name="Export deal", currency="USD", amount=Decimal(50))
    tick_stage(usd, org.rep)
    rep.post(f"/deals/{usd.pk}/move/", {"to_stage": "solution"})
    with django_assert_max_num_queries(10):
        html = rep.get("/deals/board/").content.decode()
    assert 'data-testid="column-discovery"' in html and "商机 4" in html
    assert "¥500.00" in html and "$50.00" in html


def test_list_filters_by_stage_and_pages(rep, org):
    account = make_account(org.rep, "杭州智造")
    for i in range(55):
        make_deal(org.rep, account=account, name=f"商机 {i:02d}")
    first = rep.get("/deals/?stage=discovery").content.decode()
    assert first.count('href="/deals/') >= 50 and "cursor=" in first
    assert "商机 54" in first and "商机 00" not in first
    cursor = first.split("cursor=")[1].split('"')[0].replace("&amp;", "&")
    second = rep.get(f"/deals/?stage=discovery&cursor={cursor}", HTTP_HX_REQUEST="true")
    assert "商机 00" in second.content.decode()


def test_lost_form_needs_a_reason(rep, org):
    deal = make_deal(org.rep)
    rep.post(f"/deals/{deal.pk}/lost/", {"reason": ""})
    assert Deal.objects.get(pk=deal.pk).status == "open"
    rep.post(f"/deals/{deal.pk}/lost/", {"reason": "price", "note": "贵"})
    assert Deal.objects.get(pk=deal.pk).status == "lost"


def test_create_deal_form_only_offers_visible_companies(rep, org):
    mine = make_account(org.rep, "苏州精工")
    foreign = make_account(org.outsider, "天津渤海医药")
    form = rep.get("/deals/new/").content.decode()
    assert "苏州精工" in form and "天津渤海医药" not in form
    rep.post("/deals/new/", {"account": foreign.pk, "name": "x", "currency": "CNY"})
    assert not Deal.objects.exists()
    response = rep.post(
        "/deals/new/", {"account": mine.pk, "name": "产线 MES", "currency": "CNY", "amount": "-5"}
    )
    assert response.status_code == 200 and not Deal.objects.exists()
    rep.post(
        "/deals/new/",
        {"account": mine.pk, "name": "产线 MES", "currency": "CNY", "amount": "120000"},
    )
    assert Deal.objects.get().stage == "discovery"


def test_foreign_deal_pages_are_404(rep, org):
    deal = make_deal(org.outsider)
    for url in (f"/deals/{deal.pk}/", f"/deals/{deal.pk}/edit/"):
        assert rep.get(url).status_code == 404
    for url in ("move", "lost", "checklist", "reopen"):
        assert rep.post(f"/deals/{deal.pk}/{url}/", {"to_stage": "solution"}).status_code == 404


def test_manager_filters_by_team_and_owner(client, org):
    make_deal(org.rep, name="上海的商机")
    make_deal(org.outsider, name="北方的商机")
    client.force_login(org.manager)
    page = client.get(f"/deals/?team={org.shanghai.pk}").content.decode()
    assert "上海的商机" in page and "北方的商机" not in page
    # A team outside the manager's subtree is not a valid choice: nothing leaks.
    foreign = client.get(f"/deals/?team={org.north.pk}").content.decode()
    assert "北方的商机" not in foreign
    client.force_login(org.rep)
    assert 'name="team"' not in client.get("/deals/").content.decode()


def test_the_stage_history_shows_the_latest_moves_only(rep, org):
    # a deal moved back and forth for years made a page of megabytes
    from salesop.deals.models import StageEvent
    from salesop.deals.selectors import STAGE_HISTORY_SHOWN

    deal = make_deal(org.rep)
    StageEvent.objects.bulk_create(
        StageEvent(
            deal=deal,
            kind="moved",
            from_stage="discovery",
            to_stage="solution",
            override_reason=f"第{i}次",
            playbook_version=deal.playbook_version,
        )
        for i in range(STAGE_HISTORY_SHOWN + 20)
    )
    html = rep.get(f"/deals/{deal.pk}/").content.decode()
    history = html.split('data-testid="stage-history"')[1].split("</table>")[0]
    assert history.count("<tr>") == STAGE_HISTORY_SHOWN + 1  # and the header row
    assert f"第{STAGE_HISTORY_SHOWN + 19}次" in history and "第0次" not in history
