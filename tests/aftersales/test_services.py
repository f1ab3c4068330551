"""Delivery projects from the hand-over, weekly updates, tickets with their SLA clocks and
breaches, the customer link, and the after-sales alerts."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from salesop.accounts.models import Role
from salesop.aftersales.models import (
    DeliveryProject,
    ProgressUpdate,
    Ticket,
    TicketStatus,
    UpdateStatus,
)
from salesop.aftersales.projects import (
    member_set,
    milestone_done,
    project_from_handover,
    update_draft,
    update_send,
)
from salesop.aftersales.selectors import portal_account, projects_visible_to, ticket_queue
from salesop.aftersales.tickets import (
    portal_link_create,
    ticket_direction,
    ticket_open,
    ticket_resolve,
    ticket_respond,
)
from salesop.core.errors import DomainError
from salesop.core.testing import make_account, make_deal, make_user, sign_contract, tick_stage
from salesop.customers.selectors import accounts_visible_to
from salesop.deals.services import deal_move
from salesop.monitor.models import Alert
from salesop.monitor.services import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(org):
    return {
        "pm": make_user("pm", team=org.sales, roles=(Role.PROJECT_MANAGER,)),
        "tech": make_user("tech", team=org.sales, roles=(Role.TECH_SUPPORT,)),
        "csm": make_user("csm", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,)),
    }


def win(org, name="仓储系统升级"):
    deal = make_deal(
        org.rep, name=name, expected_close_date=timezone.localdate() + timedelta(days=30)
    )
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    sign_contract(deal, org.rep)
    return DeliveryProject.objects.get(deal=deal)


def test_winning_creates_the_project_with_roles_and_milestones(org, delivery):
    project = win(org)
    roles = {m.role: m.user for m in project.members.all()}
    assert roles == {
        "project_manager": delivery["pm"],
        "tech_support": delivery["tech"],
        "customer_success": delivery["csm"],
    }
    assert project.owner == delivery["pm"] and project.handover.consumed_at is not None
    titles = [m.title for m in project.milestones.all()]
    assert titles == ["系统部署", "数据迁移", "用户培训", "项目验收"]
    assert project.milestones.first().due_on == timezone.localdate() + timedelta(days=21)
    # The rep, the delivery team and the manager see it; another team does not.
    for user in (org.rep, delivery["pm"], delivery["tech"], org.manager):
        assert project in projects_visible_to(user)
    assert project not in projects_visible_to(org.outsider)


def test_someone_joining_the_project_later_serves_its_customer_too(org, delivery):
    project = win(org)
    late = make_user("csm2", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,))
    assert project.account not in accounts_visible_to(late)
    member_set(project=project, by=delivery["pm"], role="customer_success", user=late)
    assert project in projects_visible_to(late)
    assert project.account in accounts_visible_to(late)  # its revisits, churn and growth


def test_roles_go_to_the_least_loaded_person(org, delivery):
    second_pm = make_user("pm2", team=org.sales, roles=(Role.PROJECT_MANAGER,))
    first = win(org, "一期")
    second = win(org, "二期")
    assert {first.owner, second.owner} == {delivery["pm"], second_pm}


def test_weekly_update_drafted_sent_and_due_again(org, delivery):
    project = win(org)
    deployment = project.milestones.get(key="deployment")
    milestone_done(milestone=deployment, by=delivery["pm"])
    draft = update_draft(project=project, by=delivery["pm"])
    assert draft.text.startswith("本周已完成系统部署") and "数据迁移" in draft.text
    with pytest.raises(DomainError) as refused:
        update_send(update=draft, by=delivery["pm"], text=draft.text, recipients=[])
    assert "recipients" in refused.value.fields
    with pytest.raises(DomainError):
        update_send(update=draft, by=org.outsider, text="x", recipients=["a@b.cn"])
    with django_capture():
        update_send(
            update=draft, by=delivery["pm"], text=draft.text + "谢谢!", recipients=["it@yc.cn"]
        )
    draft.refresh_from_db()
    assert draft.status == UpdateStatus.SENT and mail.outbox[-1].to == ["it@yc.cn"]
    project.refresh_from_db()
    assert project.update_due_at > timezone.now() + timedelta(days=6)
    with pytest.raises(DomainError):  # this week's is sent: no second draft
        update_draft(project=project, by=delivery["pm"])


def django_capture():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_missing_weekly_update_is_a_tracked_lapse(org, delivery, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    project = win(org)
    sweep()
    assert not Alert.objects.filter(kind="project.update_missing").exists()
    time_machine.shift(timedelta(days=8))
    sweep()
    alert = Alert.objects.get(kind="project.update_missing")
    assert alert.owner == delivery["pm"]
    update = update_draft(project=project, by=delivery["pm"])
    update_send(update=update, by=delivery["pm"], text=update.text, recipients=[], email=False)
    assert ProgressUpdate.objects.get().status == UpdateStatus.MARKED
    sweep()
    alert.refresh_from_db()
    assert alert.status != "open"


def test_ticket_clocks_stop_and_breaches_are_recorded(org, delivery, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    project = win(org)
    ticket = ticket_open(
        account=project.account,
        project=project,
        by=delivery["csm"],
        channel="phone",
        severity="urgent",
        title="扫码枪无法登录",
        description="仓库 3 号扫码枪登录报错",
    )
    assert ticket.owner == delivery["tech"] and ticket.number.startswith("T")
    assert ticket.first_response_due_at == ticket.opened_at + timedelta(hours=4)
    assert ticket.direction_due_at == ticket.opened_at + timedelta(hours=24)
    time_machine.shift(timedelta(hours=5))
    sweep()
    alert = Alert.objects.get(kind="ticket.first_response_overdue")
    assert alert.owner == delivery["tech"]
    ticket_respond(ticket=ticket, by=delivery["tech"], body="已收到,正在排查")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESPONDED
    assert ticket.response_breach_seconds == 3600  # one hour late
    sweep()
    alert.refresh_from_db()
    assert alert.status != "open"
    time_machine.shift(timedelta(hours=2))
    ticket_direction(ticket=ticket, by=delivery["tech"], direction="更换登录证书,今晚远程处理")
    ticket.refresh_from_db()
    assert ticket.direction_breach_seconds == 0 and ticket.status == TicketStatus.DIRECTION
    ticket_resolve(ticket=ticket, by=delivery["tech"])
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED


def test_ticket_times_from_a_fast_clock_are_refused(org, delivery):
    project = win(org)
    ticket = ticket_open(
        account=project.account,
        by=delivery["csm"],
        channel="email",
        severity="normal",
        title="报表导出慢",
        description="月报导出超过 5 分钟",
    )
    with pytest.raises(DomainError) as refused:
        ticket_respond(
            ticket=ticket,
            by=delivery["tech"],
            body="已收到",
            at=timezone.now() + timedelta(hours=2),
        )
    assert refused.value.code == "clock_skew" and "at" in refused.value.fields
    with pytest.raises(DomainError):
        ticket_respond(
            ticket=ticket, by=delivery["tech"], body="x", at=ticket.opened_at - timedelta(1)
        )
    ticket.refresh_from_db()
    assert ticket.responded_at is None and not ticket.messages.exists()
    with pytest.raises(DomainError) as refused:
        ticket_open(
            account=project.account,
            by=delivery["csm"],
            channel="fax",
            severity="extreme",
            title="",
            description="",
        )
    assert {"title", "description", "channel"} <= set(refused.value.fields)
    with pytest.raises(DomainError) as refused:
        ticket_open(
            account=project.account,
            by=delivery["csm"],
            channel="email",
            severity="extreme",
            title="x",
            description="y",
        )
    assert "urgent" in refused.value.fields["severity"]
    assert Ticket.objects.count() == 1


def test_queue_puts_the_nearest_deadline_first(org, delivery):
    account = make_account(org.rep, "苏州精工机械制造有限公司")
    low = ticket_open(
        account=account, by=org.rep, channel="email", severity="low", title="a", description="a"
    )
    urgent = ticket_open(
        account=account, by=org.rep, channel="phone", severity="urgent", title="b", description="b"
    )
    assert list(ticket_queue(org.rep))[:2] == [urgent, low]


def test_customer_link_opens_only_its_account(org):
    account = make_account(org.rep, "上海云仓物流有限公司")
    token = portal_link_create(account=account, by=org.rep)
    assert portal_account(token) == account
    assert portal_account("not-a-token") is None
    newer = portal_link_create(account=account, by=org.rep)
    assert portal_account(token) is None and portal_account(newer) == account


def test_project_from_handover_without_delivery_people_leaves_roles_open(org):
    project = win(org)
    assert project.owner == org.rep  # no project manager on staff: the deal's owner holds it
    from salesop.aftersales.selectors import missing_roles

    assert missing_roles(project) == ["project_manager", "tech_support", "customer_success"]
    assert project_from_handover  # the service the signature calls


def test_status_and_health_set_by_the_project_manager(org, delivery):
    from salesop.aftersales.projects import project_update

    project = win(org)
    with pytest.raises(DomainError):
        project_update(project=project, by=org.outsider, status="done", health="green")
    with pytest.raises(DomainError) as refused:
        project_update(project=project, by=delivery["pm"], status="finished", health="blue")
    assert set(refused.value.fields) == {"status", "health"}
    project_update(project=project, by=delivery["pm"], status="done", health="green")
    project.refresh_from_db()
    assert (project.status, project.update_due_at) == ("done", None)  # no more weekly updates


def test_an_update_sent_after_the_project_was_paused_sets_no_new_due_date(org, delivery):
    """The manager pauses the project while the weekly update is being written: sending it
    must not put a due date (and so a missed-update alert) back on a paused project."""
    from salesop.aftersales.projects import project_update

    project = win(org)
    draft = update_draft(project=project, by=delivery["pm"])
    paused = DeliveryProject.objects.get(pk=project.pk)
    project_update(project=paused, by=delivery["pm"], status="on_hold", health="yellow")
    update_send(update=draft, by=delivery["pm"], text=draft.text, recipients=[], email=False)
    paused.refresh_from_db()
    assert (paused.status, paused.update_due_at) == ("on_hold", None)
    assert ProgressUpdate.objects.get(pk=draft.pk).status == UpdateStatus.MARKED
