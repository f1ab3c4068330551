"""Demo data of the pricing app: a small catalogue under price policies."""

from decimal import Decimal

from salesop.pricing.models import Concession, PricePolicy, Product


def load_products_and_policies() -> None:
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
