"""After-sales pages: the project with its team and milestones, the weekly update, tickets
opened by staff and through the customer's link (which shows only that account), the ticket
queue, and who sees what."""

import pytest
from django.utils import timezone

from salesop.aftersales.models import ProgressUpdate, Ticket, UpdateStatus
from salesop.aftersales.tickets import portal_link_create, ticket_open
from salesop.core.testing import make_account
from tests.aftersales.test_services import delivery, win  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_project_page_shows_team_milestones_and_drafts_the_update(client, org, delivery):  # noqa: F811
    project = win(org)
    client.force_login(delivery["pm"])
    page = client.get(f"/delivery/{project.pk}/").content.decode()
    assert "pm" in page and "tech" in page and "系统部署" in page
    client.post(f"/delivery/{project.pk}/milestones/{project.milestones.first().pk}/done/")
    client.post(f"/delivery/{project.pk}/update/")
    update = ProgressUpdate.objects.get()
    assert update.text.startswith("本周已完成系统部署")
    client.post(
        f"/delivery/{project.pk}/update/{update.pk}/send/",
        {"text": update.text, "recipients": "", "how": "marked"},
    )
    update.refresh_from_db()
    assert update.status == UpdateStatus.MARKED
    client.force_login(org.outsider)
    assert client.get(f"/delivery/{project.pk}/").status_code == 404


def test_ticket_from_the_project_then_respond_and_direction(client, org, delivery):  # noqa: F811
    project = win(org)
    client.force_login(delivery["csm"])
    response = client.post(
        f"/delivery/{project.pk}/tickets/new/",
        {
            "title": "打印机无法出单",
            "description": "出库单打印失败",
            "severity": "urgent",
            "channel": "phone",
        },
    )
    ticket = Ticket.objects.get()
    assert response.url == f"/delivery/tickets/{ticket.pk}/"
    client.force_login(delivery["tech"])
    page = client.get(f"/delivery/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="clock"' in page
    client.post(f"/delivery/tickets/{ticket.pk}/act/", {"action": "respond", "body": "已收到"})
    client.post(
        f"/delivery/tickets/{ticket.pk}/act/",
        {"action": "direction", "direction": "重装打印驱动"},
    )
    ticket.refresh_from_db()
    assert ticket.responded_at and ticket.direction == "重装打印驱动"
    queue = client.get("/delivery/tickets/").content.decode()
    assert ticket.number in queue  # still open until resolved


def test_customer_link_opens_and_follows_only_its_own_tickets(client, org):
    mine = make_account(org.rep, "上海云仓物流有限公司")
    other = make_account(org.rep, "杭州智造科技股份有限公司")
    ticket_open(
        account=other,
        by=org.rep,
        channel="email",
        severity="normal",
        title="别家的问题",
        description="x",
    )
    token = portal_link_create(account=mine, by=org.rep)
    page = client.get(f"/support/{token}/").content.decode()
    assert "上海云仓物流有限公司" in page and "别家的问题" not in page
    refused = client.post(f"/support/{token}/", {"title": "", "description": ""})
    assert refused.status_code == 422 and Ticket.objects.filter(account=mine).count() == 0
    created = client.post(
        f"/support/{token}/",
        {
            "title": "盘点数据不一致",
            "description": "系统库存与实盘差 12 件",
            "severity": "high",
            "reporter": "王主管",
        },
    )
    ticket = Ticket.objects.get(account=mine)
    assert created.url == f"/support/{token}/tickets/{ticket.number}/"
    assert ticket.channel == "portal" and ticket.reporter == "王主管"
    client.post(created.url, {"name": "王主管", "body": "今天下午可以远程吗?"})
    assert ticket.messages.get().customer_name == "王主管"
    foreign = Ticket.objects.get(account=other)
    assert client.get(f"/support/{token}/tickets/{foreign.number}/").status_code == 404
    assert client.get("/support/not-a-real-token/").status_code == 404
    portal_link_create(account=mine, by=org.rep)  # a new link revokes the old one
    assert client.get(f"/support/{token}/").status_code == 404


def test_ticket_queue_query_count_is_constant(client, org, django_assert_max_num_queries):
    account = make_account(org.rep, "上海云仓物流有限公司")
    for i in range(3):
        ticket_open(
            account=account,
            by=org.rep,
            channel="email",
            severity="normal",
            title=f"问题 {i}",
            description="x",
        )
    client.force_login(org.rep)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/delivery/tickets/")
    for i in range(10):
        ticket_open(
            account=account,
            by=org.rep,
            channel="email",
            severity="urgent",
            title=f"更多 {i}",
            description="x",
            opened_at=timezone.now(),
        )
    with django_assert_max_num_queries(len(few)):
        assert client.get("/delivery/tickets/").status_code == 200


def test_account_page_shows_the_after_sales_picture(client, org, delivery):  # noqa: F811
    project = win(org)
    client.force_login(org.rep)
    page = client.get(f"/customers/{project.account_id}/").content.decode()
    assert 'data-testid="account-360"' in page and project.name in page
    assert 'data-testid="growth-stage"' in page
    revisit = project.account.revisits.first()
    assert revisit is not None and revisit.owner == delivery["csm"]
    assert f"/delivery/revisits/{revisit.pk}/" in page
    client.post(f"/delivery/accounts/{project.account_id}/stage/", {"stage": "expansion"})
    project.account.growth.refresh_from_db()
    assert project.account.growth.stage == "expansion"
    client.force_login(org.outsider)
    assert client.get(f"/delivery/revisits/{revisit.pk}/").status_code == 404
    assert (
        client.post(
            f"/delivery/accounts/{project.account_id}/stage/", {"stage": "at_risk"}
        ).status_code
        == 404
    )


def test_revisit_form_records_and_turns_the_need_into_a_deal(client, org, delivery):  # noqa: F811
    project = win(org)
    revisit = project.account.revisits.first()
    client.force_login(delivery["csm"])
    bad = client.post(f"/delivery/revisits/{revisit.pk}/", {"form": "visit"})
    assert bad.status_code == 422 and "is-invalid" in bad.content.decode()
    client.post(
        f"/delivery/revisits/{revisit.pk}/",
        {"form": "visit", "new_needs": "新开冷链仓,需要温控模块", "product_experience": "稳定"},
    )
    revisit.refresh_from_db()
    assert revisit.status == "done"
    client.force_login(org.rep)
    response = client.post(f"/delivery/revisits/{revisit.pk}/follow-up/", {"as": "deal"})
    deal = project.account.deals.get(name__contains="新开冷链仓")
    assert response.url == f"/deals/{deal.pk}/"
    listing = client.get("/delivery/revisits/")
    assert listing.status_code == 200


def test_the_customers_link_lists_its_tickets_in_every_state(
    client, org, django_assert_max_num_queries
):
    # the portal's home answered 500 as soon as the company had a ticket: it read a clock only
    # the staff queue's selector worked out
    from salesop.aftersales.tickets import ticket_direction, ticket_resolve, ticket_respond

    account = make_account(org.rep)

    def opened(title):
        return ticket_open(
            account=account,
            by=org.rep,
            channel="email",
            severity="high",
            title=title,
            description="x",
        )

    opened("还没回复")
    ticket_respond(ticket=opened("已回复"), by=org.rep, body="已收到")
    ticket_direction(ticket=opened("已给方向"), by=org.rep, direction="重装驱动")
    done = opened("已解决")
    ticket_direction(ticket=done, by=org.rep, direction="换网线")
    ticket_resolve(ticket=Ticket.objects.get(pk=done.pk), by=org.rep)
    token = portal_link_create(account=account, by=org.rep)
    with django_assert_max_num_queries(6):
        response = client.get(f"/support/{token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert all(t in page for t in ("还没回复", "已回复", "已给方向", "已解决"))
    assert page.count('data-testid="clock"') == 2  # the running clocks of the first two


def test_the_customers_link_is_limited_per_minute_and_per_day(client, org, settings):
    # 40 "urgent" tickets went in through one link in 0.6 s, each starting a 4-hour clock and
    # alerting support
    settings.PORTAL_POSTS_PER_MINUTE = 3
    settings.PORTAL_OPEN_TICKETS_PER_DAY = 2
    account = make_account(org.rep)
    token = portal_link_create(account=account, by=org.rep)

    def post(title):
        return client.post(
            f"/support/{token}/", {"title": title, "description": "x", "severity": "urgent"}
        )

    assert post("一").status_code == 302 and post("二").status_code == 302
    third = post("三")  # two still open from today: add to one of them
    assert third.status_code == 422 and "24" in third.content.decode()
    assert Ticket.objects.filter(account=account).count() == 2
    flooded = post("四")  # the fourth submission this minute
    assert flooded.status_code == 429 and "is-invalid" in flooded.content.decode()
    ticket = Ticket.objects.filter(account=account).first()
    reply = client.post(f"/support/{token}/tickets/{ticket.number}/", {"name": "王", "body": "?"})
    assert reply.status_code == 429 and not ticket.messages.exists()
    assert client.get(f"/support/{token}/").status_code == 200  # reading is not limited
    assert Ticket.objects.filter(account=account).count() == 2


def test_only_the_projects_team_is_offered_the_weekly_update(client, org, delivery):  # noqa: F811
    # The manager sees the project (it is their team's) but is not on it: the page offered
    # them the draft and send buttons, which the service then refused (drafting was not
    # refused at all, so they overwrote the team's draft).
    project = win(org)
    client.force_login(org.manager)
    page = client.get(f"/delivery/{project.pk}/").content.decode()
    assert 'data-testid="draft-update"' not in page and "项目团队" in page
    client.post(f"/delivery/{project.pk}/update/")
    assert not ProgressUpdate.objects.exists()
    client.force_login(delivery["pm"])
    assert 'data-testid="draft-update"' in client.get(f"/delivery/{project.pk}/").content.decode()
