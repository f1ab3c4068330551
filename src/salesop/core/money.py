"""Money is a Decimal amount with an ISO 4217 currency code; never a float."""

from decimal import ROUND_HALF_UP, Decimal

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


# ISO 4217 minor units where they are not two: the yen has no fractions.
_NO_FRACTIONS = {"JPY"}


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01, or 1 for the yen."""
    return Decimal(1) if currency in _NO_FRACTIONS else Decimal("0.01")


def in_minor_units(amount: Decimal, currency: str) -> bool:
    """Whether the amount is a whole number of the currency's smallest unit."""
    return amount == amount.quantize(minor_unit(currency), ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    places = 0 if currency in _NO_FRACTIONS else 2
    return f"{SYMBOLS.get(currency, currency + ' ')}{amount:,.{places}f}"
