"""One timeline per lead, deal and company: what every app knows happened to it, newest first.

Each app registers a source (`@source`, imported from its AppConfig.ready) that answers for the
records it knows: a few bounded queries, scoped to what the reader may see, so core needs to
know no app and no app needs to know another's rows."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from heapq import nlargest

from django.db.models import Model

LIMIT = 60


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # what it is about (activity, stage, lead, quote, approval, contract, ticket...)
    text: str  # what happened, in the reader's language
    detail: str = ""
    by: object = None  # the person who did it, when one did
    url: str = ""  # where the reader opens it (only what they may open)
    activity: object = None  # an activity, drawn in full
    day: date | None = None  # what is recorded by its day (a revisit): shown as that day


@dataclass
class Asked:
    """What a source is asked for: the record's story as `user` may see it, at most `limit`
    entries of each kind; `once` shares a read between sources (the company's deals)."""

    record: Model
    user: object
    limit: int
    _shared: dict = field(default_factory=dict)

    def once(self, key: str, read: Callable[[], object]):
        if key not in self._shared:
            self._shared[key] = read()
        return self._shared[key]


Source = Callable[[Asked], Iterable[Entry]]
_SOURCES: list[Source] = []


def source(fn: Source) -> Source:
    """Register fn(asked) -> entries about a lead, deal or company the user sees (it answers
    nothing for a kind of record it does not know)."""
    _SOURCES.append(fn)
    return fn


def timeline_for(record: Model, user, limit: int = LIMIT) -> list[Entry]:
    """The record's story, newest first, at most `limit` entries. The caller fetched `record`
    through its own visibility selector."""
    asked = Asked(record, user, limit)
    entries = (entry for fn in _SOURCES for entry in fn(asked))
    return nlargest(limit, entries, key=lambda entry: entry.at)
