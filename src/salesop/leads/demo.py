"""Demo data of the leads app: channels with their spend, leads in every state, and
two years of closed deals brought in through the history import."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.accounts.models import User
from salesop.activities.models import Activity
from salesop.activities.services import activity_log
from salesop.core.time import company_date
from salesop.customers.profiling import train_all
from salesop.insights.rules import months_back
from salesop.leads.imports import import_execute
from salesop.leads.jobs import import_upload
from salesop.leads.models import Channel, ChannelSpend, ImportJob, Lead
from salesop.leads.services import lead_create, lead_disqualify, lead_qualify

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


# The WeChat ids some contacts gave (the search box finds a lead by one, in any case).
WECHAT = {
    "嘉兴恒通冷链物流有限公司": "zhou_hengtong",
    "无锡华晨电子科技有限公司": "WuGong-HC",
    "Pacific Rim Foods Ltd.": "GraceLee_PRF",
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


# What the customer said they may spend, where they said it (12.5万 and $180,000 as typed).
BUDGETS = {
    "嘉兴恒通冷链物流有限公司": (Decimal("1200000"), "CNY"),
    "无锡华晨电子科技有限公司": (Decimal("125000"), "CNY"),
    "Pacific Rim Foods Ltd.": (Decimal("180000"), "USD"),
    "北京智联云仓科技有限公司": (Decimal("800000"), "CNY"),
    "杭州智造科技股份有限公司": (Decimal("2500000"), "CNY"),
    "Evergreen Retail Group": (Decimal("60000"), "EUR"),
}


def load_leads(users: dict[str, User], now) -> None:
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
            wechat=WECHAT.get(company, ""),
            region=region,
            industry=industry,
            allow_duplicate=True,
            **dict(zip(("budget", "budget_currency"), BUDGETS.get(company, ()), strict=False)),
        )
        if outcome != "new":
            activity_log(
                by=rep,
                account=None,
                lead=lead,
                kind="call",
                subject="First call: needs confirmed" if company.isascii() else "首次电话核实需求",
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


def _import(by: User, name: str, kind: str, lines: list[str]) -> None:
    upload = SimpleUploadedFile(name, "\r\n".join(lines).encode("utf-8-sig"))
    job = import_upload(by=by, upload=upload, channel=None, kind=kind)
    job.all_or_nothing = False
    job.save()
    import_execute(job)


def load_history(users: dict[str, User], now) -> None:
    """Two years of closed deals, imported the way a company brings its past (through the
    import wizard's code), so the ideal customer profile has evidence from the first day."""

    if ImportJob.objects.filter(kind="deals", original_name="历史商机 history.csv").exists():
        return
    rng = random.Random(2024)  # noqa: S311  (demo data, not security)  # nosec B311
    lines = ["客户名称,行业,地区,员工规模,负责人,产品,合同金额,结果,开始日期,成交日期,输单原因"]
    reasons = ["价格过高", "选择了竞品", "预算不足", "时机不合适"]
    companies = []
    for i in range(320):
        industry, rate = rng.choice(HISTORY_INDUSTRIES)
        band = rng.choice(["50-199", "200-999", "1000-4999"])
        won = rng.random() < rate + (0.15 if band == "200-999" else 0)
        start = now - timedelta(days=730 - 2 * i)
        end = min(start + timedelta(days=rng.randint(30, 120)), now)  # history: none ahead
        owner = rng.choice(["rep", "emily", "liuyang"])
        companies.append((f"历史客户{i:03d}{industry}有限公司", owner, company_date(start)))
        lines.append(
            ",".join(
                [
                    companies[-1][0],
                    industry,
                    rng.choice(HISTORY_REGIONS),
                    band,
                    owner,
                    rng.choice(["WMS-LIC", "MES-LIC", "IMPL-SVC", "TRAIN-DAY"]),
                    str(rng.randint(8, 120) * 10000),
                    "赢单" if won else "输单",
                    f"{company_date(start):%Y-%m-%d}",
                    f"{company_date(end):%Y-%m-%d}",
                    "" if won else rng.choice(reasons),
                ]
            )
        )
    _import(users["ops"], "历史商机 history.csv", "deals", lines)
    # and, from the old CRM's contact export and call log, the people at some of those
    # companies and the first visit to each
    people = [
        ("王芳", "采购总监", "决策者"),
        ("李娜", "IT 经理", "影响者"),
        ("张磊", "仓储主管", "使用者"),
    ]
    contacts = ["公司名称,联系人,职位,手机,邮箱,决策角色"]
    visits = ["公司名称,跟进方式,主题,跟进时间,时长,跟进人"]
    for i in range(0, 320, 8):
        company, owner, start = companies[i]
        name, title, role = people[i % 3]
        contacts.append(f"{company},{name},{title},139{i:08d},c{i:03d}@example.cn,{role}")
        visits.append(f"{company},拜访,初次拜访 {name},{start:%Y-%m-%d} 10:00,60,{owner}")
    _import(users["ops"], "联系人 contacts.csv", "contacts", contacts)
    _import(users["ops"], "跟进记录 activities.csv", "activities", visits)
    train_all()
