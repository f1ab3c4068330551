"""Demo data of the customers app: Chinese and English companies."""

from datetime import timedelta

from salesop.accounts.models import User
from salesop.customers.models import Account, Tier
from salesop.customers.rules import normalize_company

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


def load_accounts(users: dict[str, User], now) -> None:
    """The companies, owned by the users named, created `days ago` before `now`."""
    for name, industry, region, website, tier, owner, days_ago in ACCOUNTS:
        if Account.objects.filter(name=name).exists():
            continue
        Account.objects.create(
            name=name,
            normalized_name=normalize_company(name),  # as the services keep it: dedupe reads it
            industry=industry,
            region=region,
            website=website,
            tier=tier,
            owner=users[owner],
            team=users[owner].team,
            created_at=now - timedelta(days=days_ago),
        )
