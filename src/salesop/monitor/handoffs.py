"""Hand-offs: when one person's step makes it another's turn, the next person is told. Each app
names its hand-offs (`handoff_kind`) and subscribes to its own events in its `handlers.py`,
calling `tell` with whom to tell, what to say and the page to open. Telling is rows only (an
inbox entry, emailed after the reader's quiet hours; a delivery to each chat webhook that
takes the kind), written in the event's transaction and sent by the worker with its retries."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation

from salesop.accounts.models import Team, User
from salesop.monitor.models import Notification, WebhookDelivery, WebhookEndpoint
from salesop.monitor.notices import absolute_url, email_due, language_of
from salesop.monitor.rules import chat_title
from salesop.monitor.selectors import preference_of


@dataclass(frozen=True)
class HandoffKind:
    key: str
    label: str  # lazy: what the preferences and webhook pages call it


HANDOFF_KINDS: dict[str, HandoffKind] = {}


def handoff_kind(key: str, label) -> str:
    HANDOFF_KINDS[key] = HandoffKind(key, label)
    return key


def settle(kind: str, url: str, *, still_theirs: Iterable[User] = ()) -> int:
    """It is no longer their turn (the quote was revised, the contract decided by another, the
    lead handed on): the unread hand-offs of `kind` about `url` leave the inboxes, as read,
    but those of `still_theirs`."""
    return (
        Notification.objects.filter(kind=kind, url=url, read_at__isnull=True)
        .exclude(user__in=[user.pk for user in still_theirs])
        .update(read_at=timezone.now())
    )


def tell(
    people: Iterable[User | None],
    kind: str,
    text: Callable[[], str],
    url: str,
    *,
    by: User | None,
    opens: Callable[[User], bool] | None = None,
    team: Team | None = None,
    now: datetime | None = None,
    fresh: bool = False,
) -> list[Notification]:
    """Tells each person (once, never the one who acted, never an inactive account) that it is
    their turn: `text()` is called in each reader's language. `opens(user)` says whether the
    person may open `url` now: one who lost access to the record is not told. An unread
    hand-off of the same kind about the same page is replaced by this one (the news, not a
    pile: "returned" then "cleared" leaves "cleared"; `fresh`: the page is new, nothing to
    replace). The team's chat channels hear of it
    whenever someone's turn it is, whatever each person muted."""
    if kind not in HANDOFF_KINDS:
        raise ValueError(f"unknown hand-off kind {kind!r}")
    now = now or timezone.now()
    told: list[Notification] = []
    seen: set[int] = set()
    turn = False  # someone's turn: the channels hear of it
    for person in people:
        if person is None or person.pk in seen or not person.is_active:
            continue
        seen.add(person.pk)
        if by is not None and person.pk == by.pk:
            continue
        if opens is not None and not opens(person):
            continue
        turn = True
        preference = preference_of(person)
        if kind in (preference.muted_kinds or []):
            continue
        if not fresh:
            Notification.objects.filter(
                user=person, kind=kind, url=url, read_at__isnull=True
            ).delete()
        with translation.override(language_of(person)):
            title = str(text())[:300]
        told.append(
            Notification.objects.create(
                user=person,
                kind=kind,
                title=title,
                url=url,
                created_at=now,
                email_due_at=email_due(person, preference, now),
            )
        )
    if turn:
        _to_webhooks(kind, text, url, team, now)
    return told


def _to_webhooks(kind: str, text, url: str, team: Team | None, now: datetime) -> None:
    """A chat channel hears of a hand-off only when it asked for the kind by name (a channel
    that takes every alert is not flooded with every turn), and only of its own team's."""
    with translation.override(settings.LANGUAGE_CODE):
        title = chat_title(text())
    link = absolute_url(url)
    for endpoint in WebhookEndpoint.objects.filter(is_active=True).select_related("team"):
        if kind not in (endpoint.alert_kinds or []):
            continue
        if endpoint.team and not (team and team.path.startswith(endpoint.team.path)):
            continue
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="handoff",
            payload={
                "event": f"handoff.{kind}",
                "title": title,
                "text": f"➡️ {title}\n{link}",
                "alert": None,
                "handoff": {"kind": kind, "url": link},
            },
            next_attempt_at=now,
        )
