"""Numbers from query parameters and form fields, read without trusting them: a value that is
not one is None, for the view to ignore or refuse with a message. str.isdigit() alone is not
enough: it accepts '²' and '٣', which int() refuses, and digits past int()'s limit."""

import re
import unicodedata

_INTEGER = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only; 18 fit any database's key


def parse_int(value) -> int | None:
    """An integer written in ASCII digits with an optional minus, else None."""
    if not isinstance(value, str) or not _INTEGER.fullmatch(value):
        return None
    return int(value)


def parse_id(value) -> int | None:
    """A record id (a positive integer), else None."""
    number = parse_int(value)
    return number if number is not None and number > 0 else None


def parse_text(value, limit: int) -> str:
    """Free text (a search, a filter) stripped and cut to limit characters; "" for a value with
    a control character, which no one types into a search box and PostgreSQL refuses (NUL)."""
    if not isinstance(value, str):
        return ""
    value = value.strip()[:limit]
    if any(unicodedata.category(char) == "Cc" for char in value):
        return ""
    return value
