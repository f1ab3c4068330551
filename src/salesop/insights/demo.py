"""Demo data of the insights app: what the monthly review reads."""

from datetime import timedelta

from salesop.accounts.models import User
from salesop.aftersales.growth import account_churn
from salesop.aftersales.models import DeliveryProject, Survey
from salesop.aftersales.surveys import survey_answer, survey_send
from salesop.core.time import company_today
from salesop.customers.models import Account
from salesop.deals.models import Deal
from salesop.deals.selectors import playbook_of
from salesop.insights.aggregates import refresh_recent
from salesop.insights.rules import month_period
from salesop.insights.services import review_send
from salesop.leads.models import Channel, Lead, LeadEvent

# Scores given to the leads behind last year's closed history deals, in turn: the winners' and
# the losers'. Leads scoring 80 win like B leads, so the calibration finds the A threshold
# (75) too loose and proposes 85.
WINNER_SCORES = [90, 90, 60, 80, 60]


LOSER_SCORES = [80, 80, 60, 90, 30, 60, 80, 30]


# And their channels: Baidu search brings winners, the trade show mostly losers, so the channel
# report recommends moving budget from the show to search.
WINNER_CHANNELS = [
    "百度搜索推广 Baidu SEM",
    "百度搜索推广 Baidu SEM",
    "客户转介绍 Customer referral",
]


LOSER_CHANNELS = [
    "物流展 Logistics trade show",
    "物流展 Logistics trade show",
    "百度搜索推广 Baidu SEM",
    "微信公众号 WeChat official account",
]


COMPETITORS = ["金蝶", "用友", "SAP", "金蝶", "Salesforce"]


def load_insights(users: dict[str, User], now) -> None:
    """What the monthly review reads: the leads behind last year's closed deals with their
    scores (a planted too-loose A threshold), who won the deals lost to a competitor, a
    customer lost, survey comments with a theme, and last month's review sent to managers."""
    if Lead.objects.filter(deal__account__name__startswith="历史客户").exists():
        return
    channels = {c.name: c for c in Channel.objects.all()}
    year_ago = now - timedelta(days=365)
    closed = (
        Deal.objects.filter(
            account__name__startswith="历史客户",
            created_at__gte=year_ago,
            status__in=["won", "lost"],
        )
        .select_related("account", "owner")
        .order_by("created_at")
    )
    winners = losers = 0
    story: list[LeadEvent] = []  # each lead came in and became its deal
    grades = playbook_of(closed.first()).bant.grades if closed.exists() else None
    for deal in closed:
        if deal.status == "won":
            score = WINNER_SCORES[winners % len(WINNER_SCORES)]
            channel = WINNER_CHANNELS[winners % len(WINNER_CHANNELS)]
            winners += 1
        else:
            score = LOSER_SCORES[losers % len(LOSER_SCORES)]
            channel = LOSER_CHANNELS[losers % len(LOSER_CHANNELS)]
            losers += 1
        lead = Lead.objects.create(
            owner=deal.owner,
            team=deal.team,
            channel=channels[channel],
            company_name=deal.account.name,
            company_key=deal.account.normalized_name,
            account=deal.account,
            industry=deal.account.industry,
            region=deal.account.region,
            status="converted",
            score=score,
            grade="A" if score >= grades.a else "B" if score >= grades.b else "C",
            deal=deal,
            created_at=deal.created_at,
            first_contacted_at=deal.created_at,
        )
        story.append(
            LeadEvent(lead=lead, kind="created", to_value=channel, by=None, at=deal.created_at)
        )
        story.append(
            LeadEvent(
                lead=lead,
                kind="converted",
                from_value="qualified",
                to_value=f"deal {deal.pk}",
                by=deal.owner,
                at=deal.created_at,
            )
        )
    LeadEvent.objects.bulk_create(story)
    for i, deal in enumerate(closed.filter(status="lost", lost_reason="competitor")):
        Deal.objects.filter(pk=deal.pk).update(lost_to=COMPETITORS[i % len(COMPETITORS)])
    gone = Account.objects.filter(name__startswith="历史客户", deals__status="won").first()
    if gone is not None:
        account_churn(
            account=gone,
            by=users["csm"],
            reason="competitor",
            competitor="用友",
            note="续约时转向用友,价格低 20%",
        )
    project = DeliveryProject.objects.filter(deal__name="数据安全平台").first()
    if project is not None:
        for nps, csat, comment in (
            (9, 5, "实施顾问很专业,培训到位"),
            (6, 3, "系统稳定,但工单响应还可以更快"),
        ):
            _survey, token = survey_send(
                by=users["csm"],
                trigger="milestone",
                project=project,
                milestone=project.milestones.get(key="deployment"),
            )
            survey_answer(token=token, nps=nps, csat=csat, comment=comment)
        Survey.objects.filter(project=project).update(answered_at=now - timedelta(days=3))
    # Last month's intake, so its review has a funnel: contacted within the SLA or late,
    # some qualified, some screened out.
    today = company_today()
    last_month = month_period(today.year, today.month).previous()
    names = list(channels)
    for i in range(18):
        owner = users[("rep", "emily", "liuyang")[i % 3]]
        created = now - timedelta(days=(today - last_month.start).days - 1 - i)
        late = i % 6 == 5
        status = "qualified" if i % 3 == 0 else "disqualified" if i % 5 == 4 else "contacted"
        lead = Lead.objects.create(
            owner=owner,
            team=owner.team,
            channel=channels[names[i % len(names)]],
            company_name=f"{('华东', '江南', '北方')[i % 3]}示例客户{i:02d}有限公司",
            industry=("物流", "制造业", "零售")[i % 3],
            status=status if i % 7 else "new",
            score=(85, 60, 40)[i % 3] if i % 7 else None,
            grade=("A", "B", "C")[i % 3] if i % 7 else "",
            created_at=created,
            first_contacted_at=(created + timedelta(hours=30 if late else 2)) if i % 7 else None,
        )
        if status == "qualified" and i % 7:
            LeadEvent.objects.create(
                lead=lead,
                kind="status",
                from_value="contacted",
                to_value="qualified",
                by=owner,
                at=created + timedelta(days=2),
            )
    review_send(period=last_month)
    refresh_recent()  # what the nightly job does: past months read from the aggregates
