"""Who is told, in which language, and how: the inbox entry (emailed after the reader's quiet
hours) and a delivery to each webhook that takes it. Nothing here sends: the worker does
(`sending.py`)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, Team, User
from salesop.monitor import rules
from salesop.monitor.models import (
    Alert,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from salesop.monitor.selectors import alert_title, preference_of


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def absolute_url(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path if path else settings.BASE_URL


def _managers_of(team: Team | None) -> list[User]:
    """The managers of the nearest team up the tree that has any."""
    if team is None:
        return []
    ids = [int(part) for part in team.path.strip("/").split("/") if part]
    managers = list(
        User.objects.filter(
            is_active=True, team_id__in=ids, role_grants__role=Role.MANAGER
        ).select_related("team")
    )
    for team_id in reversed(ids):
        nearest = [m for m in managers if m.team_id == team_id]
        if nearest:
            return nearest
    return []


def recipients(targets: list[str], owner: User, team: Team | None) -> list[User]:
    people: dict[int, User] = {}
    for target in targets:
        if target == "owner":
            found = [owner] if owner.is_active else []
        elif target == "manager":
            found = _managers_of(team)
        else:
            found = list(User.objects.filter(is_active=True, role_grants__role=target)[:50])
        for person in found:
            people.setdefault(person.pk, person)
    return list(people.values())


def email_due(user: User, preference: NotificationPreference, now: datetime) -> datetime | None:
    if not preference.email_enabled or not user.email:
        return None
    zone = ZoneInfo(user.timezone or settings.TIME_ZONE)
    return rules.quiet_until(now.astimezone(zone), preference.quiet_start, preference.quiet_end)


def notify(alert: Alert, users: list[User], event: str, now: datetime) -> None:
    """Inbox (and email, when due) for each person who has not muted the kind; a delivery to
    each webhook subscribed to it. Sending happens later, outside the sweep."""
    for user in users:
        preference = preference_of(user)
        if alert.kind in (preference.muted_kinds or []):
            continue
        title = alert_title(alert, language_of(user))
        if event == "escalated":
            with translation.override(language_of(user)):
                title = _("Escalated: %(title)s") % {"title": title}
        fields = {"url": alert.url, "created_at": now}
        fields["email_due_at"] = email_due(user, preference, now)
        if event == "opened":  # a new alert has no notifications yet: one INSERT
            Notification.objects.create(user=user, alert=alert, title=title[:300], **fields)
        else:
            Notification.objects.get_or_create(
                user=user, alert=alert, title=title[:300], defaults=fields
            )
    endpoints = WebhookEndpoint.objects.filter(is_active=True).select_related("team")
    for endpoint in endpoints:
        if endpoint.alert_kinds and alert.kind not in endpoint.alert_kinds:
            continue
        if endpoint.team and not (alert.team and alert.team.path.startswith(endpoint.team.path)):
            continue
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            alert=alert,
            event=event,
            payload=_payload(alert, event),
            next_attempt_at=now,
        )


def _payload(alert: Alert, event: str) -> dict:
    title = rules.chat_title(alert_title(alert, settings.LANGUAGE_CODE))
    link = absolute_url(alert.url)
    prefix = "⚠️ " if event == "opened" else "🔺 "
    return {
        "event": f"alert.{event}",
        "title": title,
        "text": f"{prefix}{title}\n{link}",
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "rule": alert.rule_key,
            "level": alert.level,
            "owner": alert.owner.username,
            "team": alert.team.name if alert.team else None,
            "deal_id": alert.deal_id,
            "url": link,
            "opened_at": alert.opened_at.isoformat(),
        },
    }


def tell_ops(event: str, now: datetime, text) -> None:
    """An inbox entry for each active sales-ops user (emailed after their quiet hours) and a
    delivery to each active webhook that takes every alert (no kind or team filter).
    `text(zone)` says it, called in each reader's language and with their time zone."""
    url = reverse("home")
    people = User.objects.filter(is_active=True, role_grants__role=Role.OPS).distinct()
    for user in people:
        zone = ZoneInfo(user.timezone or settings.TIME_ZONE)
        with translation.override(language_of(user)):
            title = str(text(zone))[:300]
        preference = preference_of(user)
        Notification.objects.create(
            user=user,
            title=title,
            url=url,
            created_at=now,
            email_due_at=email_due(user, preference, now),
        )
    with translation.override(settings.LANGUAGE_CODE):
        title = str(text(ZoneInfo(settings.TIME_ZONE)))
    message = f"{'✅' if event.endswith('.resumed') else '⚠️'} {title}\n{absolute_url(url)}"
    for endpoint in WebhookEndpoint.objects.filter(is_active=True, team__isnull=True):
        if endpoint.alert_kinds:
            continue
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            payload={"event": event, "title": title, "text": message, "alert": None},
            next_attempt_at=now,
        )
