"""Demo data of the deals app: the discovery question bank, deals at every stage with
what their stages asked for (discovery, the decision chain, quotes), tasks, and a
history spread over the past."""

from datetime import timedelta
from decimal import Decimal

from salesop.accounts.models import User
from salesop.activities.models import Activity, Task
from salesop.activities.services import activity_log, task_create
from salesop.contracts.demo import demo_contract
from salesop.core.time import company_date
from salesop.customers.models import Account
from salesop.deals.discovery.rules import recap_language
from salesop.deals.discovery.services import (
    call_plan_add,
    keyword_confirm,
    keywords_extract,
    need_add,
    prep_save,
    question_create,
    recap_answer,
    recap_generate,
    recap_send,
    stakeholder_add,
    stakeholder_engaged,
    transcript_upload,
)
from salesop.deals.models import Deal, Discovery, Question, RecapLink
from salesop.deals.proposals.demo import demo_proposal
from salesop.deals.rules import stage_due_at
from salesop.deals.selectors import playbook_of
from salesop.deals.services import (
    checklist_tick,
    deal_create,
    deal_mark_lost,
    deal_move,
    deal_update,
)
from salesop.monitor.models import Notification
from salesop.pricing.models import Product
from salesop.pricing.services import quote_create, quote_submit

# name, company, owner, amount, currency, where it ends, days spent per stage so far, who moved
# it past a failed gate (override) or None
DEALS = [
    (
        "WMS 智能仓储升级",
        "上海云仓物流有限公司",
        "rep",
        "480000",
        "CNY",
        "contracting",
        [9, 12, 15, 4],
        None,
    ),
    (
        "MES 二期",
        "杭州智造科技股份有限公司",
        "rep",
        "1200000",
        "CNY",
        "negotiation",
        [10, 16, 6],
        None,
    ),
    ("设备联网试点", "苏州精工机械制造有限公司", "rep", "150000", "CNY", "discovery", [20], None),
    ("报关单证系统", "宁波港通国际贸易有限公司", "rep", "260000", "CNY", "solution", [5, 3], None),
    (
        "Cross-border warehouse",
        "Northwind Traders Ltd.",
        "emily",
        "95000",
        "USD",
        "won",
        [8, 14, 10, 6],
        None,
    ),
    (
        "POS rollout",
        "Contoso Retail Co., Ltd.",
        "emily",
        "42000",
        "USD",
        "lost:competitor",
        [12, 9],
        None,
    ),
    ("MES pilot", "Fabrikam Manufacturing", "emily", "80000", "USD", "discovery", [2], None),
    (
        "数据安全平台",
        "北京华信数据安全有限公司",
        "liuyang",
        "2300000",
        "CNY",
        "won",
        [12, 20, 25, 9],
        "northmgr",
    ),
    (
        "门店管理系统",
        "天津渤海医药连锁有限公司",
        "liuyang",
        "560000",
        "CNY",
        "negotiation",
        [7, 10, 18],
        None,
    ),
    (
        "TMS transport management",
        "Acme Logistics Inc.",
        "liuyang",
        "120000",
        "USD",
        "lost:price",
        [3],
        None,
    ),
    (
        "海外仓一体化",
        "深圳前海跨境电商有限公司",
        "manager",
        "900000",
        "CNY",
        "solution",
        [6, 4],
        None,
    ),
]


ACTIVITIES = [
    ("call", "首次电话沟通:了解仓储现状", "positive", 25),
    ("meeting", "需求调研会:库存周转与人工成本", "positive", 90),
    ("demo", "旺季订单激增场景演示", "neutral", 60),
]
# English-speaking customers (the demo's USD deals) are written to in English.
ACTIVITIES_EN = [
    ("call", "First call: how their warehouses run today", "positive", 25),
    ("meeting", "Discovery meeting: stock turns and labour cost", "positive", 90),
    ("demo", "Demo of the peak-season order surge", "neutral", 60),
]


def load_deals(users: dict[str, User], now) -> None:
    for name, company, owner_name, amount, currency, end, days, overrider in DEALS:
        if Deal.objects.filter(name=name).exists():
            continue
        owner = users[owner_name]
        account = Account.objects.get(name=company)
        deal = deal_create(
            by=owner,
            account=account,
            name=name,
            amount=Decimal(amount),
            currency=currency,
            expected_close_date=company_date(now) + timedelta(days=30),
        )
        playbook = playbook_of(deal)
        target, _, reason = end.partition(":")
        stages = [s.key for s in playbook.stages]
        steps = len(days) - 1 if target not in ("won",) else len(days)
        for i in range(steps):
            current = playbook.stage(deal.stage)
            skip_one = overrider and current.key == "negotiation"
            for item in current.checklist[: -1 if skip_one else None]:
                if not item.evidence:  # the others tick themselves from the stage's work
                    checklist_tick(deal=deal, by=owner, stage=current.key, item=item.key)
            to_stage = stages[i + 1] if i + 1 < len(stages) else "won"
            if not skip_one:
                _work_stage(deal, owner, current.key)
            if to_stage == "won":
                demo_contract(deal, owner, "archived" if currency == "USD" else "signed")
            elif skip_one:
                deal_move(
                    deal=deal,
                    to_stage=to_stage,
                    by=users[overrider],
                    override_reason="客户 CFO 已口头确认预算,决策链图稍后补充",
                )
            else:
                deal_move(deal=deal, to_stage=to_stage, by=owner)
        if deal.is_open and deal.stage == "discovery":
            _work_stage(deal, owner, "discovery", finish=False)
        if target == "lost":
            note = "客户反馈见活动记录" if currency == "CNY" else "See the logged calls"
            deal_mark_lost(deal=deal, by=owner, reason=reason, note=note)
        said = ACTIVITIES if currency == "CNY" else ACTIVITIES_EN
        for kind, subject, outcome, minutes in said[: min(len(days), 3)]:
            activity_log(
                by=owner,
                account=account,
                deal=deal,
                kind=kind,
                subject=subject,
                outcome=outcome,
                duration_minutes=minutes,
            )
        if name == "门店管理系统":  # the customer keeps postponing: signing date passed
            passed = company_date(now) - timedelta(days=5)
            deal_update(deal=deal, by=owner, expected_close_date=passed)
            demo_contract(deal, owner, "overdue")
        if name == "WMS 智能仓储升级":  # the customer's lawyer changed two clauses: legal's queue
            demo_contract(deal, owner, "review")
        _backdate(deal, days, now if deal.is_open else now - timedelta(days=3))
    mes = Deal.objects.get(name="MES 二期")
    if not mes.quotes.exists():  # 18 % off and 45 days: waits for the manager and finance
        codes = dict(Product.objects.values_list("code", "pk"))
        quote_submit(
            quote=quote_create(
                deal=mes,
                by=users["rep"],
                payment_term_days=45,
                lines=[
                    {"product_id": codes["MES-LIC"], "discount_pct": "18"},
                    {"product_id": codes["IMPL-SVC"], "discount_pct": "0"},
                ],
                concessions=["training"],
            ),
            by=users["rep"],
        )
    rep = users["rep"]
    wms = Deal.objects.get(name="WMS 智能仓储升级")
    if not Task.objects.filter(assignee=rep).exists():
        task_create(
            by=rep, title="发送合同终稿给客户法务", due_at=now - timedelta(days=1), deal=wms
        )
        task_create(by=rep, title="与客户确认签约日期", due_at=now + timedelta(hours=1), deal=wms)
        task_create(
            by=rep,
            title="准备 MES 二期演示环境",
            due_at=now + timedelta(days=2),
            deal=Deal.objects.get(name="MES 二期"),
        )
        # A task the manager gives: the rep's home shows it as their turn (a hand-off).
        task_create(
            by=users["manager"],
            assignee=rep,
            title="周五前确认 WMS 项目的客户预算审批进度",
            due_at=now + timedelta(days=1),
            deal=wms,
        )


# (layer, industry, question): the bank sales ops keep; one closed question shows the flag.
QUESTIONS = [
    ("surface", "", "目前贵司的订单和库存是用什么方式管理的?"),
    ("surface", "", "您希望新系统首先解决哪些问题?"),
    ("surface", "", "这个项目的预算大致在什么范围?"),
    ("deep", "", "明年公司最重要的经营目标是什么?这个项目如何支撑它?"),
    ("deep", "", "如果现状持续一年,会给业务带来什么影响?"),
    ("deep", "物流", "旺季订单激增时,仓库最容易在哪个环节出问题?"),
    ("deep", "制造", "设备停机对交付承诺的影响有多大?"),
    ("surface", "", "你们现在用的是 Excel 吗?"),
    ("surface", "", "How do you track orders and stock today?"),
    ("deep", "", "What would it mean for your business if nothing changed this year?"),
    ("deep", "", "Which goal for next year does this project serve?"),
]


NEEDS = {
    "zh": [
        ("feature", "扫码出入库与实时库存", "我们要随时知道每个库位有什么货"),
        ("budget", "", ""),
        ("strategic_goal", "明年库存周转天数从 45 天降到 30 天", "老板定了明年周转要降三分之一"),
        ("hidden_pain", "旺季发货错漏导致客户投诉", "一到双十一就乱,错发漏发,客户投诉不断"),
    ],
    "en": [
        ("feature", "barcode receiving and live stock levels", "we need to see what is where"),
        ("budget", "", ""),
        ("strategic_goal", "open a second warehouse next year", "the board wants two sites"),
        ("hidden_pain", "peak-season shipping errors", "every November we ship wrong orders"),
    ],
}


PEOPLE = {
    "zh": [
        ("decision_maker", "周总", "总经理"),
        ("technical", "吴工", "IT 经理"),
        ("finance", "郑会计", "财务总监"),
        ("influencer", "孙主管", "仓储主管"),
    ],
    "en": [
        ("decision_maker", "Michael Brown", "CEO"),
        ("technical", "Sarah Lee", "IT lead"),
        ("finance", "Tom Harris", "CFO"),
        ("influencer", "Anna Novak", "Warehouse lead"),
    ],
}


TRANSCRIPT = """WEBVTT

00:00:01.000 --> 00:00:06.000
<v 张伟>周总您好,您能谈谈目前仓库每天是怎么运作的吗?

00:00:06.000 --> 00:00:30.000
<v 周总>我们现在主要靠 Excel 和纸质单据,旺季一天三千单,
拣货全靠老员工记忆,错发漏发很多,客户投诉也多。

00:00:30.000 --> 00:00:35.000
<v 张伟>这些错发对客户关系造成了哪些影响?

00:00:35.000 --> 00:01:00.000
<v 周总>去年双十一丢了两个大客户,老板很重视,明年要求周转天数降到 30 天,还要开第二个仓。

00:01:00.000 --> 00:01:04.000
<v 张伟>预算方面已经批下来了吗?
"""


def load_question_bank(ops: User) -> None:
    for layer, industry, text in QUESTIONS:
        if not Question.objects.filter(text=text, industry=industry).exists():
            question_create(by=ops, text=text, layer=layer, industry=industry)


def _work_stage(deal: Deal, owner: User, stage: str, finish: bool = True) -> None:
    """Does what the playbook's criteria of `stage` ask, with realistic records: discovery
    (prep, call plan, needs, keywords, recap), the decision chain, a quote within policy."""
    language = "zh" if recap_language(deal.account.name).startswith("zh") else "en"
    people = {role: (name, title) for role, name, title in PEOPLE[language]}

    def person(role: str, engaged: bool) -> None:
        found = deal.stakeholders.filter(role=role).first()
        if found is None:
            name, title = people[role]
            found = stakeholder_add(
                deal=deal,
                by=owner,
                role=role,
                new_contact_name=name,
                new_contact_title=title,
                attitude="supporter" if role != "finance" else "neutral",
            )
        if engaged:
            stakeholder_engaged(stakeholder=found, by=owner)
        return found

    if stage == "discovery":
        prep_save(
            deal=deal,
            by=owner,
            industry_news="行业:电商物流旺季单量同比增长 35%,头部客户要求次日达。"
            if language == "zh"
            else "Industry: peak volumes up 35 % year on year; next-day delivery expected.",
            competitor_moves="竞品 A 正在降价 15% 争夺中型仓储客户。"
            if language == "zh"
            else "Competitor A cut prices by 15 % for mid-sized warehouses.",
        )
        bank = Question.objects.filter(
            text__regex=r"[\u4e00-\u9fff]" if language == "zh" else r"^[A-Za-z]"
        )
        call_plan_add(deal=deal, by=owner, questions=list(bank.filter(is_open=True)[:4]))
        for kind, summary, words in NEEDS[language]:
            if kind == "budget":
                amount = deal.amount or Decimal(100000)
                need_add(
                    deal=deal,
                    by=owner,
                    kind=kind,
                    summary=summary,
                    budget_min=(amount * Decimal("0.8")).quantize(Decimal(1000)),
                    budget_max=(amount * Decimal("1.1")).quantize(Decimal(1000)),
                )
            else:
                need_add(deal=deal, by=owner, kind=kind, summary=summary, customer_words=words)
        for tag in keywords_extract(deal=deal, by=owner)[:4]:
            keyword_confirm(tag=tag, by=owner, confirmed=True, is_pain=tag.term in PAIN_WORDS)
        recap_generate(deal=deal, by=owner)
        if language == "zh" and finish:
            transcript_upload(
                deal=deal,
                by=owner,
                filename="首次调研通话.vtt",
                content=TRANSCRIPT.replace("张伟", owner.get_full_name() or "张伟").encode(),
                rep_speaker=owner.get_full_name() or "张伟",
            )
        # The customer answers the recap through its one-time link (sent by chat: the demo's
        # contacts have no email): confirmed, or (the unfinished Chinese deal) corrected.
        _link, token = recap_send(
            deal=deal, by=owner, contact=person("decision_maker", engaged=False).contact
        )
        if finish:
            recap_answer(
                token=token,
                confirmed=True,
                words="没错,就是这些需求。" if language == "zh" else "Yes, that is what we need.",
            )
        elif language == "zh":
            recap_answer(
                token=token,
                confirmed=False,
                words="预算上限是 15 万;另外新系统必须能对接我们现有的用友 ERP,这点没写进去。",
            )
    elif stage == "solution":
        demo_proposal(deal, owner)
        activity_log(
            by=owner,
            account=deal.account,
            deal=deal,
            kind="demo",
            subject="客户真实场景演示"
            if deal.currency == "CNY"
            else "Demo of the customer's scenario",
            outcome="positive",
            duration_minutes=90,
        )
        person("decision_maker", engaged=False)
        person("technical", engaged=True)
        person("influencer", engaged=False)
    elif stage == "negotiation":
        person("decision_maker", engaged=True)
        person("finance", engaged=True)
        quote_submit(
            quote=quote_create(
                deal=deal,
                by=owner,
                currency=deal.currency,
                lines=[
                    {
                        "description": deal.name,
                        "list_price": str(deal.amount or 100000),
                        "discount_pct": "5",
                    }
                ],
            ),
            by=owner,
        )


PAIN_WORDS = {"发货", "出错", "投诉", "错发", "errors", "shipping", "peak-season"}


def _backdate(deal, days: list[int], now) -> None:
    """Spreads the deal's history over the past: stage i lasted days[i] days (demo data only;
    real history is written as it happens)."""
    events = list(deal.stage_events.order_by("id"))
    start = now - timedelta(days=sum(days))
    moments = [start]
    for span in days:
        moments.append(moments[-1] + timedelta(days=span))
    previous = None
    for i, event in enumerate(events):
        at = moments[min(i, len(moments) - 1)]
        seconds = int((at - previous).total_seconds()) if previous else 0
        type(event).objects.filter(pk=event.pk).update(at=at, seconds_in_previous=seconds)
        previous = at
    Deal.objects.filter(pk=deal.pk).update(
        created_at=start,
        stage_entered_at=previous,
        stage_due_at=stage_due_at(playbook_of(deal), deal.stage, previous)
        if deal.is_open
        else None,
        closed_at=previous if deal.status != "open" else None,
    )
    activities = list(Activity.objects.filter(deal=deal).order_by("id"))
    for i, activity in enumerate(activities):
        at = start + timedelta(days=min(i * 3, sum(days)), hours=10)
        # never after `now` (a short history's last call fell on this evening)
        at = min(at, now - timedelta(minutes=30 * (len(activities) - i)))
        Activity.objects.filter(pk=activity.pk).update(occurred_at=at)
    # The recap went out near the end of discovery and was answered the next day; the rep read
    # a confirmation then, while a correction still waits for them.
    answered = start + timedelta(days=max(days[0] - 1, 0), hours=15)
    links = RecapLink.objects.filter(deal=deal)
    links.update(sent_at=answered - timedelta(days=1), expires_at=answered + timedelta(days=13))
    links.filter(answered_at__isnull=False).update(answered_at=answered)
    Discovery.objects.filter(deal=deal, recap_confirmed_at__isnull=False).update(
        recap_confirmed_at=answered
    )
    told = Notification.objects.filter(kind="recap.answered", url__startswith=f"/deals/{deal.pk}/")
    told.update(created_at=answered)
    if links.filter(confirmed=True).exists():
        told.update(read_at=answered + timedelta(hours=1))
