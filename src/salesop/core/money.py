"""Money is a Decimal amount with an ISO 4217 currency code; never a float."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    JPY = "JPY", _("Japanese yen (JPY)")
    GBP = "GBP", _("Pound sterling (GBP)")
    SGD = "SGD", _("Singapore dollar (SGD)")


SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "JP¥", "GBP": "£", "SGD": "S$"}
MAX_AMOUNT = Decimal("999999999999.99")


def format_money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.2f}"
