"""Demo data: teams, one user per role, Chinese and English companies. Loading twice changes
nothing: every record is found by its natural key before it is created."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from salesop.accounts.models import Role, Team, User
from salesop.accounts.services import team_create, user_create
from salesop.customers.models import Account, Tier


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
    logins = [("admin", "superuser")] + [(u[0], u[5]) for u in USERS]
    return DemoResult(password=password, logins=logins)
