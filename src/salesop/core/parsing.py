"""Reading values the way people type them in spreadsheets: 1,234.50 and 12.5万 as numbers,
2024-03-01, 2024/3/1 or a declared day-first 01-03-24 as dates."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

DATE_ORDERS = {
    "ymd": ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"),
    "dmy": ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y", "%d/%m/%y", "%d.%m.%y"),
    "mdy": ("%m-%d-%Y", "%m/%d/%Y", "%m-%d-%y", "%m/%d/%y"),
}
_UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "k": Decimal(1000), "K": Decimal(1000)}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class ParseError(ValueError):
    """The cell is not a value of the expected kind; the message quotes it."""


def parse_decimal(value) -> Decimal | None:
    """None for an empty cell; ParseError for text that is not an amount."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    text = str(value).strip().replace("，", ",").replace(" ", "")
    for symbol in ("¥", "￥", "$", "€", "£", "元", "RMB", "CNY", "USD"):
        text = text.replace(symbol, "")
    if not text:
        return None
    factor = Decimal(1)
    if text[-1] in _UNITS:
        factor, text = _UNITS[text[-1]], text[:-1]
    if "," in text:
        # commas group thousands (1,200,000.50); a decimal comma (1.234,56 or 1,5) is refused,
        # not read as 1.23 or 15
        if not _GROUPED.match(text):
            raise ParseError(f"not a number: {value!r}")
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise ParseError(f"not a number: {value!r}")
    try:
        return Decimal(text) * factor
    except InvalidOperation:
        raise ParseError(f"not a number: {value!r}") from None


def parse_date(value, order: str = "ymd") -> date | None:
    """ISO-like year-first dates always; two-digit or day/month-first ones only in the declared
    `order` (dmy or mdy), since 01-03-24 means different days to different people."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    formats = DATE_ORDERS["ymd"] + (DATE_ORDERS[order] if order in ("dmy", "mdy") else ())
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise ParseError(f"not a date in the {order} order: {value!r}")
