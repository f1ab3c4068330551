"""Money is a Decimal amount with an ISO 4217 currency code; never a float."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision
from django.conf import settings
from django.db import models
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan (CNY)")
    USD = "USD", _("US dollar (USD)")
    EUR = "EUR", _("Euro (EUR)")
    HKD = "HKD", _("Hong Kong dollar (HKD)")
    JPY = "JPY", _("Japanese yen (JPY)")
    GBP = "GBP", _("Pound sterling (GBP)")
    SGD = "SGD", _("Singapore dollar (SGD)")


MAX_AMOUNT = Decimal("999999999999.99")


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency (ISO 4217, through Babel): 0.01, or 1 for the yen."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def in_minor_units(amount: Decimal, currency: str) -> bool:
    """Whether the amount is a whole number of the currency's smallest unit."""
    return amount == amount.quantize(minor_unit(currency), ROUND_HALF_UP)


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_money(amount: Decimal | None, currency: str) -> str:
    """The amount as a reader of the active language writes it (CLDR, through Babel): ¥1,200.00
    and US$50.00 in Chinese, CN¥1,200.00 and $50.00 in English; the yen without fractions."""
    if amount is None:
        return "—"
    return format_currency(
        amount, currency, locale=_locale(get_language() or settings.LANGUAGE_CODE)
    )


def format_amount(amount: Decimal | int, places: int | None = None) -> str:
    """An amount without its currency as a reader of the active language writes it (a limit
    in a message): 999,999,999,999.99, never rounded to a figure that is not the limit; with
    `places`, always that many decimals (480,000.00)."""
    pattern = "#,##0.##" if places is None else "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(
        amount, format=pattern, locale=_locale(get_language() or settings.LANGUAGE_CODE)
    )
