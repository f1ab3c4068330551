"""Demo data of the aftersales app: a won deal's delivery, tickets, a survey and a revisit."""

from datetime import timedelta

from salesop.accounts.models import User
from salesop.aftersales.growth import stage_set
from salesop.aftersales.models import DeliveryProject, ProgressUpdate
from salesop.aftersales.projects import milestone_done, update_draft, update_send
from salesop.aftersales.revisits import revisit_record
from salesop.aftersales.surveys import survey_answer, survey_send
from salesop.aftersales.tickets import (
    portal_link_create,
    ticket_direction,
    ticket_open,
    ticket_resolve,
    ticket_respond,
)
from salesop.core.time import company_today


def load_aftersales(users: dict[str, User], now) -> None:
    """The won deals' delivery: milestones under way, a weekly update sent and this week's
    drafted, tickets in every state (one past its first-response SLA, one answered through
    the customer's link, one resolved with a low survey score that became a task)."""
    project = DeliveryProject.objects.filter(deal__name="数据安全平台").first()
    if project is None or project.tickets.exists():
        return
    pm, csm = users["pm"], users["csm"]
    deployment = project.milestones.get(key="deployment")
    milestone_done(milestone=deployment, by=pm, done_on=company_today() - timedelta(days=2))
    update = update_draft(project=project, by=pm)
    update_send(update=update, by=pm, text=update.text, recipients=[], email=False)
    ProgressUpdate.objects.filter(pk=update.pk).update(  # demo backdating: last week's
        week=update.week - timedelta(days=7), sent_at=now - timedelta(days=6)
    )
    update_draft(project=project, by=pm)
    account = project.account
    portal_link_create(account=account, by=csm)
    ticket_open(  # left unanswered: the sweep raises its first-response alert
        account=account,
        project=project,
        by=csm,
        channel="phone",
        severity="urgent",
        title="数据脱敏任务失败",
        description="夜间批处理报错,影响次日报表",
        reporter="信息中心 李工",
        opened_at=now - timedelta(hours=6),
    )
    answered = ticket_open(
        account=account,
        project=project,
        by=None,
        channel="portal",
        severity="high",
        title="审计日志导出超时",
        description="导出 30 天日志时页面超时",
        reporter="安全部 王经理",
        opened_at=now - timedelta(hours=20),
    )
    ticket_respond(ticket=answered, by=pm, body="已收到,正在复现", at=now - timedelta(hours=18))
    done = ticket_open(
        account=account,
        project=project,
        by=csm,
        channel="email",
        severity="normal",
        title="账号权限配置咨询",
        description="新增部门管理员如何授权",
        opened_at=now - timedelta(days=5),
    )
    ticket_direction(
        ticket=done,
        by=pm,
        direction="按角色模板批量授权,附操作手册",
        at=now - timedelta(days=5) + timedelta(hours=30),  # six hours late
    )
    ticket_resolve(ticket=done, by=pm)
    _survey, token = survey_send(by=pm, trigger="ticket", ticket=done)
    survey_answer(token=token, nps=5, csat=3, comment="方向对了,但响应有点慢")
    # Revisits: the first one done last week heard a new need and competitor news.
    revisit = account.revisits.order_by("due_on").first()
    revisit_record(
        revisit=revisit,
        by=csm,
        form="visit",
        done_on=company_today() - timedelta(days=7),
        product_experience="数据脱敏规则配置方便,夜间批处理偶有失败",
        new_needs="明年在成都新设数据中心,需要多中心统一审计",
        competitor_news="竞品 B 推出免费的日志分析模块",
        competitor="竞品 B",
    )
    stage_set(account=account, by=csm, stage="expansion", reason="新数据中心计划")
    english = DeliveryProject.objects.filter(deal__name="Cross-border warehouse").first()
    if english is not None:
        update_draft(project=english, by=pm)  # drafted in English for its customer
