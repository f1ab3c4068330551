"""Alert kinds the sweep can evaluate. Each app registers the kinds whose data it owns: how to
open alerts for rows that came due, how to tell an open alert's condition cleared, and how to
say it in words."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction


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


BATCH = 1000
# Rows claimed and alerted per transaction: one commit (a WAL flush on PostgreSQL) per row made
# a backlog of 10,000 take 44 s; a batch stays all-or-nothing and holds SQLite's write lock
# for well under a second.
COMMIT_EVERY = 50


def open_due_rows(
    model,
    column: str,
    make: Callable[[Any, Any], dict],
    related=("owner__notification_preference", "team"),
):
    """An `open_due` for a model with an indexed due column: claims each due row by clearing
    the column and opens its alert in the same transaction (a crash leaves a row either claimed
    and alerted, or neither; COMMIT_EVERY rows share one), in batches until nothing is due.
    `make(row, rule)` gives the alert's dedupe key, state and params. Services clear due
    columns when a record closes, so the query needs only the due index."""

    def open_due(rule, now, opener) -> int:
        opened = 0
        while True:
            due = list(
                model.objects.filter(**{f"{column}__lte": now})
                .select_related(*related)
                .order_by(column)[:BATCH]
            )
            for start in range(0, len(due), COMMIT_EVERY):
                with transaction.atomic():
                    for row in due[start : start + COMMIT_EVERY]:
                        claimed = model.objects.filter(
                            pk=row.pk, **{column: getattr(row, column)}
                        ).update(**{column: None})
                        if claimed and opener(
                            rule=rule,
                            owner=row.owner,
                            team=row.team,
                            now=now,
                            url=row.get_absolute_url(),
                            **make(row, rule),
                        ):
                            opened += 1
            if len(due) < BATCH:
                return opened

    return open_due
