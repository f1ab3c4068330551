"""Keyset (cursor) pagination: a page starts after the last row of the previous one, so page
1,000 costs what page 1 costs (no OFFSET scan). Orderings must end with a unique field (id)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from salesop.core.errors import DomainError

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def _invalid() -> DomainError:
    return DomainError(
        "invalid_cursor",
        _("The page cursor is not valid; start again from the first page."),
        {"cursor": _("Not a cursor this list produced.")},
    )


def _decode(cursor: str, model, ordering: tuple[str, ...]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise _invalid() from None
    if not isinstance(raw, list) or len(raw) != len(ordering):
        raise _invalid()
    values = []
    for name, value in zip(ordering, raw, strict=True):
        field = model._meta.get_field(name.lstrip("-"))
        try:
            values.append(field.to_python(value))
        except ValidationError:
            raise _invalid() from None
    return values


def _json_value(value: Any) -> Any:
    # Not DjangoJSONEncoder: it cuts datetimes to milliseconds, and a cursor must be exact.
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _encode(row: Any, ordering: tuple[str, ...]) -> str:
    values = [getattr(row, name.lstrip("-")) for name in ordering]
    payload = json.dumps(values, default=_json_value, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii")


def _after(ordering: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after `values` in `ordering`: (a > x) or (a = x and b > y) or ..., with
    the bound a >= x stated on its own, so the database seeks into the index on (a, b) where
    the page starts instead of walking it from the top (an OR alone is not a range)."""
    condition = Q()
    for i, name in enumerate(ordering):
        field = name.lstrip("-")
        step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": values[i]})
        for prev_name, prev_value in zip(ordering[:i], values[:i], strict=True):
            step &= Q(**{prev_name.lstrip("-"): prev_value})
        condition |= step
    first = ordering[0]
    if values[0] is None:
        return condition
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & condition


def keyset_page(
    queryset: QuerySet,
    *,
    ordering: tuple[str, ...],
    cursor: str | None = None,
    size: int = DEFAULT_PAGE_SIZE,
) -> Page:
    size = max(1, min(size, MAX_PAGE_SIZE))
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = queryset.filter(_after(ordering, _decode(cursor, queryset.model, ordering)))
    rows = list(queryset[: size + 1])
    if len(rows) > size:
        return Page(items=rows[:size], next_cursor=_encode(rows[size - 1], ordering))
    return Page(items=rows, next_cursor=None)
