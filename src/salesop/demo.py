"""Demo data: teams, one user per role, Chinese and English companies. Loading twice changes
nothing: every record is found by its natural key before it is created."""

import random
import secrets
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from salesop.accounts.models import Role, Team, User
from salesop.accounts.services import team_create, user_create
from salesop.activities.models import Activity, Task
from salesop.activities.services import activity_log, task_create
from salesop.aftersales.growth import stage_set
from salesop.aftersales.models import DeliveryProject, ProgressUpdate
from salesop.aftersales.revisits import revisit_record
from salesop.aftersales.services import (
    milestone_done,
    portal_link_create,
    survey_answer,
    survey_send,
    ticket_direction,
    ticket_open,
    ticket_resolve,
    ticket_respond,
    update_draft,
    update_send,
)
from salesop.contracts.models import Contract, ContractTemplate
from salesop.contracts.services import (
    clauses_edit,
    contract_archive,
    contract_create,
    contract_send,
    contract_sign,
    contract_submit,
    document_tick,
    incentive_offer,
    template_save,
)
from salesop.contracts.starter import CLAUSES_EN, CLAUSES_ZH, as_dicts
from salesop.core.time import company_date, company_today
from salesop.customers.models import Account, Tier
from salesop.deals.discovery import (
    call_plan_add,
    keyword_confirm,
    keywords_extract,
    need_add,
    prep_save,
    question_create,
    recap_confirm,
    recap_generate,
    stakeholder_add,
    stakeholder_engaged,
    transcript_upload,
)
from salesop.deals.discovery_rules import recap_language
from salesop.deals.models import Deal, DealObjection, ObjectionEntry, Question
from salesop.deals.objections import objection_raise
from salesop.deals.proposals import (
    RowInput,
    proposal_create,
    proposal_present,
    proposal_roi_set,
    value_rows_add,
)
from salesop.deals.rules import close_due_at, stage_due_at
from salesop.deals.selectors import playbook_of
from salesop.deals.services import (
    checklist_tick,
    deal_create,
    deal_mark_lost,
    deal_move,
    deal_update,
)
from salesop.insights.rules import months_back
from salesop.monitor.models import NotificationPreference
from salesop.monitor.services import sweep
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.services import default_playbook_text, playbook_version_create
from salesop.pricing.models import Concession, PricePolicy, Product
from salesop.pricing.selectors import current_quote
from salesop.pricing.services import quote_create, quote_submit


@dataclass
class DemoResult:
    password: str
    logins: list[tuple[str, str]]


# username, full name, team key, roles, language, what the login shows
USERS = [
    ("ops", "王芳", None, (Role.OPS,), "zh-hans", "sales operations: sees everything, admin"),
    ("manager", "李强", "east", (Role.MANAGER,), "zh-hans", "sales manager, East China"),
    ("rep", "张伟", "shanghai", (Role.REP,), "zh-hans", "sales rep, Shanghai team 1"),
    ("emily", "Emily Chen", "shanghai", (Role.REP,), "en", "sales rep, Shanghai team 1"),
    ("liuyang", "刘洋", "north", (Role.REP,), "zh-hans", "sales rep, North China"),
    ("northmgr", "赵敏", "north", (Role.MANAGER,), "zh-hans", "sales manager, North China"),
    ("legal", "陈静", None, (Role.LEGAL,), "zh-hans", "legal / compliance"),
    (
        "director",
        "钱进",
        None,
        (Role.DIRECTOR,),
        "zh-hans",
        "sales director: approves deep discounts",
    ),
    ("finance", "孙丽", None, (Role.FINANCE,), "zh-hans", "finance"),
    ("pm", "David Wu", None, (Role.PROJECT_MANAGER, Role.TECH_SUPPORT), "en", "delivery"),
    ("csm", "周婷", None, (Role.CUSTOMER_SUCCESS,), "zh-hans", "customer success"),
    ("trainer", "黄磊", None, (Role.TRAINER,), "zh-hans", "trainer"),
]

# name, industry, region, website, tier, owner, days ago
ACCOUNTS = [
    ("上海云仓物流有限公司", "物流", "上海", "https://yuncang.example.cn", Tier.KEY, "rep", 120),
    (
        "杭州智造科技股份有限公司",
        "制造业",
        "浙江",
        "https://zhizao.example.cn",
        Tier.STRATEGIC,
        "rep",
        95,
    ),
    ("苏州精工机械制造有限公司", "制造业", "江苏", "", Tier.STANDARD, "rep", 60),
    ("宁波港通国际贸易有限公司", "贸易", "浙江", "", Tier.STANDARD, "rep", 12),
    (
        "Northwind Traders Ltd.",
        "Wholesale",
        "Shanghai",
        "https://northwind.example.com",
        Tier.KEY,
        "emily",
        80,
    ),
    (
        "Contoso Retail Co., Ltd.",
        "Retail",
        "Shanghai",
        "https://contoso.example.com",
        Tier.STANDARD,
        "emily",
        40,
    ),
    ("Fabrikam Manufacturing", "Manufacturing", "Suzhou", "", Tier.STANDARD, "emily", 7),
    (
        "北京华信数据安全有限公司",
        "信息安全",
        "北京",
        "https://huaxin.example.cn",
        Tier.STRATEGIC,
        "liuyang",
        150,
    ),
    ("天津渤海医药连锁有限公司", "医药零售", "天津", "", Tier.KEY, "liuyang", 33),
    (
        "Acme Logistics Inc.",
        "Logistics",
        "Beijing",
        "https://acme.example.com",
        Tier.STANDARD,
        "liuyang",
        3,
    ),
    ("深圳前海跨境电商有限公司", "电子商务", "广东", "", Tier.KEY, "manager", 20),
]


def _password() -> str:
    path = settings.DATA_DIR / "demo-password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    password = "demo-" + secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password, encoding="utf-8")
    path.chmod(0o600)
    return password


def _team(name: str, parent: Team | None) -> Team:
    return Team.objects.filter(name=name, parent=parent).first() or team_create(
        name=name, parent=parent
    )


@transaction.atomic
def load_demo() -> DemoResult:
    password = _password()
    root = _team("销售部 Sales", None)
    east = _team("华东大区 East China", root)
    teams = {
        "east": east,
        "shanghai": _team("上海一组 Shanghai 1", east),
        "north": _team("华北大区 North China", root),
    }
    users: dict[str, User] = {}
    for username, full_name, team_key, roles, language, _description in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=password,
                full_name=full_name,
                email=f"{username}@demo.salesop.local",
                team=teams.get(team_key) if team_key else root,
                roles=roles,
                language=language,
            )
        users[username] = user
    if not User.objects.filter(username="admin").exists():
        user_create(
            username="admin",
            password=password,
            full_name="Admin",
            roles=(Role.OPS,),
            is_superuser=True,
        )
    now = timezone.now()
    for name, industry, region, website, tier, owner, days_ago in ACCOUNTS:
        if Account.objects.filter(name=name).exists():
            continue
        Account.objects.create(
            name=name,
            industry=industry,
            region=region,
            website=website,
            tier=tier,
            owner=users[owner],
            team=users[owner].team,
            created_at=now - timedelta(days=days_ago),
        )
    _load_history(users, now)
    _demo_products_and_policies()
    _load_question_bank(users["ops"])
    _demo_contract_templates(users)
    _load_deals(users, now)
    _load_leads(users, now)
    _load_draft_playbook(users["ops"])
    _demo_proposals_and_objections(users)
    _demo_aftersales(users, now)
    _load_supervision(users)
    _demo_insights(users, now)
    _demo_enablement(users, now)
    logins = [("admin", "superuser")] + [(u[0], u[5]) for u in USERS]
    return DemoResult(password=password, logins=logins)


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


def _load_deals(users: dict[str, User], now) -> None:
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
                checklist_tick(deal=deal, by=owner, stage=current.key, item=item.key)
            to_stage = stages[i + 1] if i + 1 < len(stages) else "won"
            if not skip_one:
                _work_stage(deal, owner, current.key)
            if to_stage == "won":
                _demo_contract(deal, owner, "archived" if currency == "USD" else "signed")
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
            deal_mark_lost(deal=deal, by=owner, reason=reason, note="客户反馈见活动记录")
        for kind, subject, outcome, minutes in ACTIVITIES[: min(len(days), 3)]:
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
            _demo_contract(deal, owner, "overdue")
        if name == "WMS 智能仓储升级":  # the customer's lawyer changed two clauses: legal's queue
            _demo_contract(deal, owner, "review")
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


def _load_question_bank(ops: User) -> None:
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
        if finish:
            recap_confirm(
                deal=deal, by=owner, note="客户在调研会上确认" if language == "zh" else ""
            )
    elif stage == "solution":
        _demo_proposal(deal, owner)
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


def _demo_contract_templates(users: dict[str, User]) -> None:
    """The starter templates; legal has since lengthened the confidentiality period, so the
    Chinese template is at version 2."""
    if ContractTemplate.objects.exists():
        return
    template_save(
        by=users["ops"], code="standard", name="标准销售合同", clauses=as_dicts(CLAUSES_ZH)
    )
    revised = [
        (key, title, text.replace("期限三年", "期限五年"), risk)
        for key, title, text, risk in CLAUSES_ZH
    ]
    template_save(
        by=users["legal"],
        code="standard",
        name="标准销售合同",
        clauses=as_dicts(revised),
        note="保密期限由三年延长至五年",
    )
    template_save(
        by=users["ops"],
        code="standard-en",
        name="Standard sales agreement",
        clauses=as_dicts(CLAUSES_EN),
    )


# A one-page PDF standing in for the customer's signed scan.
SIGNED_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 52>>stream\nBT /F1 18 Tf 72 760 Td (Signed copy - demo) Tj ET\nendstream"
    b"\nendobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _demo_contract(deal: Deal, owner: User, how: str) -> None:
    """A contract in the state `how` says: signed (the deal is won by it) or archived; in
    legal review with the customer's changes; or sent, with its signing date passed and
    incentives offered."""
    english = not recap_language(deal.account.name).startswith("zh")
    template = ContractTemplate.objects.get(
        code="standard-en" if english else "standard", current=True
    )
    if how == "overdue":  # quoted from the catalogue, so the policy's concessions apply
        codes = dict(Product.objects.values_list("code", "pk"))
        lines = [
            {"description": "门店管理系统 licence", "list_price": "260000"},
            {"product_id": codes["IMPL-SVC"]},
        ]
    elif current_quote(deal) is None:  # the gate was overridden before anyone quoted
        lines = [{"description": deal.name, "list_price": str(deal.amount)}]
    else:
        lines = []
    if lines:
        quote_submit(
            quote=quote_create(deal=deal, by=owner, currency=deal.currency, lines=lines),
            by=owner,
        )
    contract = contract_create(
        deal=deal,
        quote=current_quote(deal),
        template=template,
        by=owner,
        target_signing_date=company_today() + timedelta(days=10),
    )
    if how == "review":
        clauses_edit(
            contract=contract,
            by=owner,
            texts={
                "ip": "为甲方定制开发部分的知识产权归甲方所有,其余软件及文档的知识产权归乙方所有。",
                "liability": "任何一方违约,应赔偿对方因此遭受的全部损失。",
            },
        )
        contract_submit(contract=contract, by=owner)
        return
    contract_submit(contract=contract, by=owner)
    for document in playbook_of(deal).contracts.documents:
        document_tick(contract=contract, by=owner, key=document.key)
    contract_send(contract=contract, by=owner)
    if how == "overdue":
        past = company_today() - timedelta(days=3)
        Contract.objects.filter(pk=contract.pk).update(  # demo backdating, as _backdate does
            target_signing_date=past, signing_due_at=close_due_at(past)
        )
        for key in ("training", "extended_support"):
            incentive_offer(
                contract=contract, by=owner, key=key, note="本月内签约即可享受,名额有限。"
            )
        return
    contract_sign(
        contract=contract, by=owner, name=f"{contract.number}-signed.pdf", content=SIGNED_SCAN
    )
    if how == "archived":
        contract_archive(contract=contract, by=owner)


def _demo_aftersales(users: dict[str, User], now) -> None:
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
    for i, activity in enumerate(Activity.objects.filter(deal=deal).order_by("id")):
        Activity.objects.filter(pk=activity.pk).update(
            occurred_at=start + timedelta(days=min(i * 3, sum(days)), hours=10)
        )


CHANNELS = [
    ("行业平台 Industry platform", "online", "industry_platform", 18000),
    ("微信公众号 WeChat official account", "online", "social_media", 9000),
    ("百度搜索推广 Baidu SEM", "online", "search_marketing", 26000),
    ("官网表单 Website form", "online", "website", 3000),
    ("物流展 Logistics trade show", "offline", "trade_show", 45000),
    ("商会活动 Chamber events", "offline", "association_event", 6000),
    ("客户转介绍 Customer referral", "offline", "referral", 0),
    ("老客户复购 Repurchase", "internal", "repurchase", 0),
    ("市场部线索池 Marketing pool", "internal", "marketing_pool", 12000),
]

BANT_BY_GRADE = {
    "A": {
        "budget": "confirmed",
        "authority": "decision_maker",
        "need": "urgent_pain",
        "timeline": "within_3m",
    },
    "B": {
        "budget": "range",
        "authority": "influencer",
        "need": "clear_need",
        "timeline": "within_6m",
    },
    "C": {"budget": "unknown", "authority": "user", "need": "vague", "timeline": "none"},
}

# company, contact, phone, region, industry, owner, channel index, what happened, days ago
LEADS = [
    ("嘉兴恒通冷链物流有限公司", "周经理", "13805710001", "浙江", "物流", "rep", 0, "A", 2),
    ("无锡华晨电子科技有限公司", "吴工", "13905100002", "江苏", "制造业", "rep", 4, "B", 5),
    ("合肥新桥食品有限公司", "钱总", "13705510003", "安徽", "食品", "rep", 1, "C", 12),
    (
        "Pacific Rim Foods Ltd.",
        "Grace Lee",
        "+852 9123 4567",
        "Hong Kong",
        "Food",
        "emily",
        2,
        "A",
        3,
    ),
    (
        "Blue Harbor Shipping",
        "Tom Hughes",
        "+44 20 7946 0018",
        "London",
        "Logistics",
        "emily",
        3,
        "new",
        2,
    ),
    ("青岛海润水产有限公司", "孙总", "13605320005", "山东", "水产", "liuyang", 5, "B", 8),
    ("北京智联云仓科技有限公司", "赵经理", "13601010006", "北京", "物流", "liuyang", 6, "A", 1),
    (
        "天津港联供应链有限公司",
        "郑主任",
        "13502220007",
        "天津",
        "物流",
        "liuyang",
        7,
        "contacted",
        9,
    ),
    ("杭州智造科技股份有限公司", "马总监", "13505710008", "浙江", "制造业", "rep", 7, "A", 20),
    (
        "南京博远医疗器械有限公司",
        "陈科长",
        "13905250009",
        "江苏",
        "医疗",
        "rep",
        8,
        "disqualified",
        15,
    ),
    ("常州远航包装材料有限公司", "", "13815010010", "江苏", "包装", "rep", 3, "new", 1),
    (
        "Evergreen Retail Group",
        "Anna Müller",
        "+49 30 901820",
        "Berlin",
        "Retail",
        "emily",
        8,
        "C",
        25,
    ),
    ("上海青禾电商有限公司", "林女士", "13916210012", "上海", "电子商务", "rep", 2, "new", 9),
]


def _load_leads(users: dict[str, User], now) -> None:
    from salesop.leads.models import Channel, ChannelSpend, Lead
    from salesop.leads.services import (
        lead_create,
        lead_disqualify,
        lead_qualify,
    )

    channels = []
    for name, category, kind, monthly in CHANNELS:
        channel, created = Channel.objects.get_or_create(
            name=name, defaults={"category": category, "kind": kind}
        )
        channels.append(channel)
        if created and monthly:
            for month in months_back(company_date(now), 6):
                ChannelSpend.objects.get_or_create(
                    channel=channel,
                    month=month.start,
                    currency="CNY",
                    defaults={"amount": Decimal(monthly)},
                )
    for company, person, phone, region, industry, owner, ch, outcome, days in LEADS:
        if Lead.objects.filter(company_name=company).exists():
            continue
        rep = users[owner]
        lead = lead_create(
            by=rep,
            owner=rep,
            channel=channels[ch],
            company_name=company,
            contact_name=person,
            phone=phone,
            region=region,
            industry=industry,
            allow_duplicate=True,
        )
        if outcome != "new":
            activity_log(
                by=rep,
                account=None,
                lead=lead,
                kind="call",
                subject="首次电话核实需求 First call",
                outcome="positive",
                duration_minutes=15,
            )
            lead.refresh_from_db()
        if outcome in BANT_BY_GRADE:
            lead_qualify(
                lead=lead,
                by=rep,
                bant=BANT_BY_GRADE[outcome],
                pain_tags=["降本增效", "库存周转"] if outcome == "A" else ["数据安全"],
            )
        elif outcome == "disqualified":
            lead_disqualify(lead=lead, by=rep, reason="no_budget", note="今年无预算")
        # Spread over the past: timers run from these moments.
        then = now - timedelta(days=days)
        Lead.objects.filter(pk=lead.pk).update(
            created_at=then,
            first_contact_due_at=then + timedelta(hours=24) if outcome == "new" else None,
        )
        Lead.objects.filter(pk=lead.pk, last_activity_at__isnull=False).update(
            last_activity_at=then + timedelta(hours=3),
            first_contacted_at=then + timedelta(hours=3),
            followup_due_at=then + timedelta(hours=3, days=7),
        )
        Activity.objects.filter(lead=lead).update(occurred_at=then + timedelta(hours=3))


HISTORY_INDUSTRIES = [
    ("物流", 0.55),
    ("制造业", 0.45),
    ("零售", 0.25),
    ("教育", 0.1),
    ("医药", 0.3),
]
HISTORY_REGIONS = ["上海", "浙江", "江苏", "北京", "广东"]


def _load_history(users: dict[str, User], now) -> None:
    """Two years of closed deals, imported the way a company brings its past (through the
    import wizard's code), so the ideal customer profile has evidence from the first day."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from salesop.customers.profiling import train_all
    from salesop.leads.imports import import_execute
    from salesop.leads.models import ImportJob
    from salesop.leads.services import import_upload

    if ImportJob.objects.filter(kind="deals", original_name="历史商机 history.csv").exists():
        return
    rng = random.Random(2024)  # noqa: S311  (demo data, not security)  # nosec B311
    lines = ["客户名称,行业,地区,员工规模,负责人,产品,合同金额,结果,开始日期,成交日期,输单原因"]
    reasons = ["价格过高", "选择了竞品", "预算不足", "时机不合适"]
    for i in range(320):
        industry, rate = rng.choice(HISTORY_INDUSTRIES)
        band = rng.choice(["50-199", "200-999", "1000-4999"])
        won = rng.random() < rate + (0.15 if band == "200-999" else 0)
        start = now - timedelta(days=730 - 2 * i)
        end = min(start + timedelta(days=rng.randint(30, 120)), now)  # history: none ahead
        owner = rng.choice(["rep", "emily", "liuyang"])
        lines.append(
            ",".join(
                [
                    f"历史客户{i:03d}{industry}有限公司",
                    industry,
                    rng.choice(HISTORY_REGIONS),
                    band,
                    owner,
                    rng.choice(["WMS", "MES", "TMS", "BI"]),
                    str(rng.randint(8, 120) * 10000),
                    "赢单" if won else "输单",
                    f"{company_date(start):%Y-%m-%d}",
                    f"{company_date(end):%Y-%m-%d}",
                    "" if won else rng.choice(reasons),
                ]
            )
        )
    upload = SimpleUploadedFile("历史商机 history.csv", "\r\n".join(lines).encode("utf-8-sig"))
    job = import_upload(by=users["ops"], upload=upload, channel=None, kind="deals")
    job.all_or_nothing = False
    job.save()
    import_execute(job)
    train_all()


def _load_supervision(users: dict[str, User]) -> None:
    """Alerts for the demo's lapses (a deal past its stage limit, a signing date passed) and
    the rep's quiet hours; the running worker keeps sweeping from here."""
    NotificationPreference.objects.get_or_create(
        user=users["rep"], defaults={"quiet_start": time(22, 0), "quiet_end": time(7, 0)}
    )
    sweep()


def _load_draft_playbook(ops: User) -> None:
    """A proposed change sales ops are discussing: not active, ready to compare and activate."""
    if PlaybookVersion.objects.filter(number__gt=1).exists():
        return
    data = yaml.safe_load(default_playbook_text())
    data["stages"][0]["exit_criteria"].append("activity.logged_in_stage")
    data["stages"][0]["max_dwell_days"] = 10
    data["stages"][1]["exit_criteria"].append("enablement.owner_certified")
    playbook_version_create(
        text=yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
        by=ops,
        comment="提议:需求挖掘阶段须记录客户接触,最长停留 10 天;进入谈判须通过谈判认证",
    )


def _demo_products_and_policies() -> None:
    """A small catalogue under price policies: a family policy for the services, a product's
    own policy (with bargaining chips) for the MES licence."""
    catalogue = [
        ("WMS-LIC", "WMS 仓储管理系统 licence", "software", "480000"),
        ("MES-LIC", "MES 制造执行系统 licence", "software", "900000"),
        ("IMPL-SVC", "实施服务 implementation service", "services", "300000"),
        ("TRAIN-DAY", "培训 training day", "services", "8000"),
    ]
    products = {}
    for code, name, family, price in catalogue:
        products[code], _created = Product.objects.get_or_create(
            code=code, defaults={"name": name, "family": family, "list_price": Decimal(price)}
        )
    limits = {
        "max_discount_rep": Decimal(5),
        "max_discount_manager": Decimal(10),
        "max_discount_director": Decimal(15),
        "max_payment_term_days": 30,
        "hard_payment_term_days": 60,
    }
    services, created = PricePolicy.objects.get_or_create(family="services", defaults=limits)
    if created:
        for key, zh, en, needs_approval in (
            ("training", "加赠培训 2 天", "Two extra training days", False),
            ("extended_support", "延长免费维保 6 个月", "Six more months of free support", True),
        ):
            Concession.objects.create(
                policy=services, key=key, label_zh=zh, label_en=en, needs_approval=needs_approval
            )
    mes, created = PricePolicy.objects.get_or_create(
        product=products["MES-LIC"],
        defaults={
            "floor_price": Decimal("630000"),
            "max_discount_rep": Decimal(10),
            "max_discount_manager": Decimal(20),
            "max_discount_director": Decimal(30),
            "max_payment_term_days": 60,
            "hard_payment_term_days": 90,
        },
    )
    if created:
        for key, zh, en, needs_approval in (
            ("training", "免费培训 5 天", "5 days of free training", False),
            ("onsite", "驻场支持 1 个月", "One month of on-site support", True),
            ("long_term", "三年合作折扣", "Three-year partnership discount", True),
        ):
            Concession.objects.create(
                policy=mes, key=key, label_zh=zh, label_en=en, needs_approval=needs_approval
            )


# category, industry (blank: all), objection, acknowledge, answer, supporting data or case
OBJECTION_LIBRARY = [
    (
        "price",
        "",
        "价格太高了,超出预算",
        "理解,预算确实是要认真考虑的。",
        "可以按订阅制分年付费,首年投入降低 60%;同时看三年 ROI 而不是一次性价格。",
        "某物流客户订阅制首年投入 19 万,11 个月回本。",
    ),
    (
        "implementation_time",
        "物流",
        "实施周期太长,旺季前上不了线",
        "旺季前稳定上线确实是您最关心的。",
        "分阶段上线:先上核心仓的收货与拣货,六周可用,其余模块旺季后再上。",
        "上海某三方仓 6 周完成一期上线,双十一订单峰值无差错。",
    ),
    (
        "competitor",
        "",
        "另一家报价更便宜",
        "多比较几家是负责任的做法。",
        "请一起对比总拥有成本与实施成功率:我们含本地实施团队与 7×24 支持。",
        "行业客户三年总成本对比表(可提供脱敏版本)。",
    ),
    (
        "risk",
        "制造业",
        "担心数据迁移影响生产",
        "生产不能停,这个顾虑非常合理。",
        "迁移在周末窗口完成,并行运行两周,随时可回退。",
        "杭州某工厂零停机完成 MES 切换。",
    ),
    (
        "timing",
        "",
        "今年预算已用完,明年再说",
        "理解预算周期的安排。",
        "本月签约可锁定价格并赠送培训,付款可安排在明年一季度。",
        "",
    ),
    (
        "authority",
        "",
        "我需要请示老板",
        "当然,这么重要的决定需要老板参与。",
        "我们准备一页 ROI 摘要给老板,并约一次 30 分钟的联合会议。",
        "",
    ),
    (
        "price",
        "Manufacturing",
        "The licence cost is too high for a pilot",
        "That makes sense: a pilot should prove value before a big commitment.",
        "Start with a one-line pilot on a subscription; the pilot fee is credited to the full "
        "rollout.",
        "A Suzhou plant paid back its pilot in 5 months through scrap reduction.",
    ),
    (
        "implementation_time",
        "",
        "We don't have IT people to run an implementation",
        "Understood: your team is busy running operations.",
        "Our delivery team leads the project; your side needs one key user for two hours a week.",
        "Average customer-side effort in 2025 projects: 26 hours in total.",
    ),
]


# deal -> (owner, title, rows (pain, solution, value, amount, unit), investment, yearly benefits,
# the objection raised (category, library entry, the customer's words))
PROPOSAL_PLANS = {
    "MES 二期": (
        "MES 二期:产线透明与质量追溯",
        [
            (
                "换线靠经验,停机时间长",
                "排产与换线指导上屏",
                "每月减少停机 40 小时",
                "40",
                "小时/月",
            ),
            ("质量问题追溯要 2 天", "批次全链路追溯", "追溯时间降到 10 分钟", "10", "分钟"),
            ("报废率 3.2%", "工艺参数实时预警", "每年减少报废损失", "520000", ""),
        ],
        "1200000",
        [("报废减少 scrap", "520000"), ("停机减少 downtime", "380000")],
        ("price", "价格太高了,超出预算", "二期预算只批了 100 万"),
    ),
    "海外仓一体化": (
        "海外仓一体化方案",
        [
            ("海外仓库存看不见", "多仓库存实时同步", "缺货率下降 30%", "30", "%"),
            ("头程与尾程对账靠 Excel", "物流费用自动对账", "每年节省财务人力", "240000", ""),
        ],
        "900000",
        [("人力 labour", "240000"), ("缺货损失 stock-outs", "300000")],
        ("implementation_time", "实施周期太长,旺季前上不了线", "黑五前必须上线"),
    ),
}


def _demo_proposal(deal: Deal, by: User) -> None:
    """A delivered proposal: the deal's plan above, or one row per recorded pain and goal with
    an ROI from the deal's amount."""
    if deal.proposals.exists():
        return
    english = not recap_language(deal.account.name).startswith("zh")
    plan = PROPOSAL_PLANS.get(deal.name)
    if plan:
        title, rows, investment, benefits, _raised = plan
        inputs = [
            RowInput(pain=p, solution=s, value=v, amount=Decimal(a), unit=u)
            for p, s, v, a, u in rows
        ]
    else:
        title = deal.name
        amount = deal.amount or Decimal(100000)
        investment = str(amount)
        benefits = [("效率提升 efficiency", str((amount * Decimal("0.45")).quantize(Decimal(1))))]
        inputs = [
            RowInput(
                pain=need.summary,
                solution="Live stock and scanning" if english else "实时库存与扫码作业",
                value="Errors down 80 %" if english else "差错率下降 80%",
                amount=Decimal(80),
                unit="%",
                need_id=need.pk,
            )
            for need in deal.needs.filter(kind__in=["hidden_pain", "strategic_goal"])
        ] or [RowInput(pain=deal.name, solution="—", value="—")]
    proposal = proposal_create(deal=deal, by=by, title=title, audience="executive")
    value_rows_add(proposal=proposal, by=by, rows=inputs)
    proposal_roi_set(
        proposal=proposal,
        by=by,
        investment=Decimal(investment),
        benefits=[{"label": label, "amount": amount} for label, amount in benefits],
    )
    proposal_present(
        proposal=proposal,
        by=by,
        duration_minutes=75,
        notes="Attended by the CEO and CFO" if english else "客户 CEO、财务总监参加",
    )


def _demo_proposals_and_objections(users: dict[str, User]) -> None:
    """The objection library, and on the deals with a plan above a delivered proposal with an
    objection raised and resolved. Found by natural key when run again."""
    for category, industry, objection, acknowledge, answer, evidence in OBJECTION_LIBRARY:
        ObjectionEntry.objects.get_or_create(
            objection=objection,
            industry=industry,
            defaults={
                "category": category,
                "acknowledge": acknowledge,
                "answer": answer,
                "evidence": evidence,
            },
        )
    for deal_name, plan in PROPOSAL_PLANS.items():
        deal = Deal.objects.filter(name=deal_name).first()
        if deal is None or not deal.is_open:
            continue
        _demo_proposal(deal, deal.owner)
        category, library_text, words = plan[-1]
        if not DealObjection.objects.filter(deal=deal).exists():
            entry = ObjectionEntry.objects.filter(objection=library_text).first()
            objection_raise(
                deal=deal,
                by=deal.owner,
                entry=entry,
                category=category,
                customer_words=words,
                answer_used=entry.answer if entry else "",
                resolved=True,
            )


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


def _demo_insights(users: dict[str, User], now) -> None:
    """What the monthly review reads: the leads behind last year's closed deals with their
    scores (a planted too-loose A threshold), who won the deals lost to a competitor, a
    customer lost, survey comments with a theme, and last month's review sent to managers."""
    from salesop.aftersales.growth import account_churn
    from salesop.aftersales.models import Survey
    from salesop.insights.aggregates import refresh_recent
    from salesop.insights.rules import month_period
    from salesop.insights.services import review_send
    from salesop.leads.models import Channel, Lead, LeadEvent

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
        Lead.objects.create(
            owner=deal.owner,
            team=deal.team,
            channel=channels[channel],
            company_name=deal.account.name,
            industry=deal.account.industry,
            region=deal.account.region,
            status="converted",
            score=score,
            grade="A" if score >= grades.a else "B" if score >= grades.b else "C",
            deal=deal,
            created_at=deal.created_at,
            first_contacted_at=deal.created_at,
        )
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


COURSES = [
    (
        "SOP-101",
        "销售 SOP 入门 Sales SOP basics",
        "",
        [
            (
                "theory",
                "六个阶段与出口标准 The six stages and their exit criteria",
                [
                    (
                        "A 级线索应在多久内首次联系?How soon is an A lead first contacted?",
                        ["24 小时内 within 24 hours", "一周内 within a week"],
                        [0],
                    ),
                    (
                        "谁可以越过阶段门?Who may pass a failed stage gate?",
                        ["销售本人 the rep", "经理并写明理由 a manager, with a reason"],
                        [1],
                    ),
                ],
            ),
        ],
    ),
    (
        "DISC-201",
        "需求挖掘 Discovery",
        "discovery",
        [
            (
                "theory",
                "开放式提问与需求分层 Open questions and layered needs",
                [
                    (
                        "哪个是开放式问题?Which is an open question?",
                        [
                            "您目前的仓储流程是怎样的?How does your warehouse work today?",
                            "您有预算吗?Do you have a budget?",
                        ],
                        [0],
                    ),
                    (
                        "深层需求包括 Deep needs include",
                        [
                            "战略目标 strategic goals",
                            "隐性痛点 hidden pains",
                            "功能清单 a feature list",
                        ],
                        [0, 1],
                    ),
                    (
                        "80/20 原则指 The 80/20 rule means",
                        ["客户说 80% the customer talks 80%", "销售说 80% the rep talks 80%"],
                        [0],
                    ),
                ],
            ),
            ("practice", "完成一次需求复述并获客户确认 Get a recap confirmed by a customer", []),
        ],
    ),
    (
        "NEG-301",
        "谈判与异议处理 Negotiation and objections",
        "negotiation",
        [
            (
                "theory",
                "底线与让步 Bottom lines and concessions",
                [
                    (
                        "客户说“太贵了”,先做什么?The customer says it is too expensive: first?",
                        ["认同顾虑 acknowledge the concern", "立刻降价 cut the price"],
                        [0],
                    ),
                    (
                        "让步应当 A concession should",
                        ["换取承诺 buy a commitment", "无条件给出 be free"],
                        [0],
                    ),
                ],
            ),
            (
                "practice",
                "与经理演练一次报价谈判 Rehearse a price negotiation with your manager",
                [],
            ),
        ],
    ),
]


def _demo_enablement(users: dict[str, User], now) -> None:
    """Courses for the playbook's new-hire programme, Emily (joined six weeks ago) part-way
    through them with 张伟 as mentor and a practice task waiting for his sign-off, 张伟
    certified for negotiation by a role-play, a published case and a draft one, and last
    week's negotiation workshop with who attended."""
    from salesop.accounts.models import User as UserModel
    from salesop.enablement.cases import case_create, case_review, case_write
    from salesop.enablement.models import Course, Module, QuizQuestion, RolePlayScenario
    from salesop.enablement.services import (
        enroll,
        practice_sign_off,
        practice_submit,
        quiz_submit,
        roleplay_record,
        session_record,
    )

    if Course.objects.exists():
        return
    modules = {}
    for code, title, stage, parts in COURSES:
        course = Course.objects.create(code=code, title=title, stage=stage)
        for position, (kind, module_title, questions) in enumerate(parts):
            module = Module.objects.create(
                course=course,
                position=position,
                kind=kind,
                title=module_title,
                material=module_title,
            )
            modules[(code, position)] = module
            for i, (text, choices, correct) in enumerate(questions):
                QuizQuestion.objects.create(
                    module=module, position=i, text=text, choices=choices, correct=correct
                )
    rep, emily, trainer = users["rep"], users["emily"], users["trainer"]
    UserModel.objects.filter(pk=emily.pk).update(date_joined=now - timedelta(days=42))
    UserModel.objects.filter(pk=rep.pk).update(date_joined=now - timedelta(days=700))

    def right(module):
        return {q.pk: list(q.correct) for q in module.questions.all()}

    mine = {}
    for code, _title, _stage, _parts in COURSES:
        course = Course.objects.get(code=code)
        mine[(emily.pk, code)] = enroll(
            by=trainer,
            user=emily,
            course=course,
            mentor=rep,
            due_on=company_today() + timedelta(days=48),
        )
    quiz_submit(
        by=emily,
        enrollment=mine[(emily.pk, "SOP-101")],
        module=modules[("SOP-101", 0)],
        answers=right(modules[("SOP-101", 0)]),
    )
    discovery = modules[("DISC-201", 0)]
    half = {
        pk: ([] if i == 0 else picked) for i, (pk, picked) in enumerate(right(discovery).items())
    }
    quiz_submit(by=emily, enrollment=mine[(emily.pk, "DISC-201")], module=discovery, answers=half)
    practice_submit(
        by=emily,
        enrollment=mine[(emily.pk, "DISC-201")],
        module=modules[("DISC-201", 1)],
        evidence="Recapped needs with Acme Logistics' COO; confirmed by email.",
    )
    negotiation = Course.objects.get(code="NEG-301")
    veteran = enroll(by=trainer, user=rep, course=negotiation, mentor=None)
    quiz_submit(
        by=rep,
        enrollment=veteran,
        module=modules[("NEG-301", 0)],
        answers=right(modules[("NEG-301", 0)]),
    )
    done = practice_submit(
        by=rep,
        enrollment=veteran,
        module=modules[("NEG-301", 1)],
        evidence="与李强演练报价谈判两轮,守住付款条件底线",
    )
    practice_sign_off(by=trainer, result=done, passed=True, note="让步换承诺,很好")
    scenario = RolePlayScenario.objects.create(
        title="采购总监压价 The purchasing director pushes on price",
        stage="negotiation",
        persona="华东某冷链物流公司采购总监,预算紧张,手里有竞品报价",
        situation="方案已获认可,进入价格谈判;客户要求再降 15%",
    )
    scenario.objections.set(ObjectionEntry.objects.filter(category="price")[:2])
    roleplay_record(
        by=trainer,
        scenario=scenario,
        trainee=rep,
        scores={
            "open_questions": 5,
            "needs_layered": 4,
            "recap": 4,
            "objection_handling": 5,
            "value": 4,
        },
        notes="先认同再回应,用 ROI 回应价格",
    )
    roleplay_record(
        by=rep,
        scenario=scenario,
        trainee=emily,
        scores={
            "open_questions": 4,
            "needs_layered": 3,
            "recap": 3,
            "objection_handling": 2,
            "value": 3,
        },
        notes="Conceded 10% too early; practise trading concessions for commitments.",
    )
    won = Deal.objects.filter(owner=rep, status="won").order_by("-closed_at").first()
    if won is not None:
        case = case_create(by=rep, deal=won)
        case_write(
            by=rep,
            case=case,
            title=f"{won.name}:让财务尽早参与",
            decisive_moments="CFO 参加了场景演示,当场认可回本周期",
            lessons="尽早识别财务角色,用回本周期回应价格异议",
        )
        case_review(by=users["manager"], case=case, publish=True)
    lost = Deal.objects.filter(owner=rep, status="lost").order_by("-closed_at").first()
    if lost is not None:
        case_create(by=rep, deal=lost)
    session_record(
        by=trainer,
        kind="workshop",
        title="谈判工作坊:让步换承诺 Trading concessions",
        held_at=now - timedelta(days=6),
        attendees=[rep, emily, users["liuyang"]],
        notes="案例:采购总监压价",
    )
