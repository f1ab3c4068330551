"""Amounts as people type them: thousands grouped by commas, 万 and 亿, currency signs; a
decimal comma (as a semicolon file from Europe writes it) is refused, not misread."""

from decimal import Decimal

import pytest

from salesop.core.parsing import ParseError, parse_decimal

pytestmark = pytest.mark.no_clock


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,200,000", "1200000"), ("1,200,000.50", "1200000.50"), ("12.5万", "125000"),
     ("¥ 3,000", "3000"), ("1，200", "1200"), ("-1,000", "-1000"), ("1200", "1200"), ("", None)],
)  # fmt: skip
def test_amounts_people_write_are_read(text, value):
    assert parse_decimal(text) == (Decimal(value) if value else None)


@pytest.mark.parametrize("text", ["1.234,56", "1,5", "12,34", "1,2345", "1,,000", "abc", "1e5"])
def test_a_decimal_comma_or_text_is_refused_not_misread(text):
    with pytest.raises(ParseError):
        parse_decimal(text)
