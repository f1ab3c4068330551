"""Alert kinds the sweep can evaluate. Each app registers the kinds whose data it owns: how to
open alerts for rows that came due, how to tell an open alert's condition cleared, and how to
say it in words."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AlertKind:
    name: str
    # open_due(rule, now, opener) claims due rows and calls opener(...) for each; returns count.
    open_due: Callable[[Any, datetime, Callable[..., Any]], int]
    # cleared(open_alerts) yields the alerts whose condition no longer holds.
    cleared: Callable[[Any], Iterable[Any]]
    # title(alert) says what is wrong, in the active language.
    title: Callable[[Any], str]


KINDS: dict[str, AlertKind] = {}


def alert_kind(kind: AlertKind) -> AlertKind:
    if kind.name in KINDS and KINDS[kind.name] is not kind:
        raise ValueError(f"alert kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind
