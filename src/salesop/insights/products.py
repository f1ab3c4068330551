"""Won revenue per product: which products the deals won in a period sold, and for how much."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum

from salesop.accounts.models import User
from salesop.contracts.models import SIGNED_STATUSES, Contract
from salesop.deals.models import DealLine, DealStatus
from salesop.insights.filters import Filters
from salesop.insights.rules import Period, bounds
from salesop.insights.selectors import deals_for
from salesop.pricing.models import Product, QuoteLine


@dataclass
class ProductRevenue:
    product: Product
    won: int = 0  # deals won that sold it
    revenue: Decimal = Decimal("0")  # in the report currency


def won_by_product(user: User, period: Period, filters: Filters | None = None):
    """Per product, the deals won in the period that sold it and their revenue in the report
    currency (other currencies are left out, as in every revenue figure), largest first. What
    a deal sold is its lines: an imported deal's as its file said (`DealLine`), a deal made
    here the lines of its signed contract's quote at their net amount."""
    start, end = bounds(period)
    won = deals_for(user, filters or Filters()).filter(
        status=DealStatus.WON, closed_at__gte=start, closed_at__lt=end
    )
    currency = settings.REPORT_CURRENCY
    totals: dict[int, ProductRevenue] = {}
    products = Product.objects.in_bulk(
        set(DealLine.objects.filter(deal__in=won).values_list("product_id", flat=True))
    )
    imported = (
        DealLine.objects.filter(deal__in=won, currency=currency)
        .values("product_id")
        .annotate(won=Count("deal", distinct=True), revenue=Sum("amount"))
    )
    for row in imported:
        totals[row["product_id"]] = ProductRevenue(
            products[row["product_id"]], row["won"], row["revenue"] or Decimal("0")
        )
    signed = Contract.objects.filter(
        status__in=SIGNED_STATUSES, deal__in=won.filter(lines__isnull=True)
    )
    quoted = QuoteLine.objects.filter(
        product__isnull=False, quote__currency=currency, quote__in=signed.values("quote")
    ).select_related("product", "quote")
    sold: dict[int, set[int]] = {}
    for line in quoted:
        total = totals.setdefault(line.product_id, ProductRevenue(line.product))
        total.revenue += line.net_amount
        sold.setdefault(line.product_id, set()).add(line.quote.deal_id)
    for product_id, deals in sold.items():
        totals[product_id].won += len(deals)
    return sorted(totals.values(), key=lambda t: (-t.revenue, t.product.code))
