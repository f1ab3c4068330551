"""Supervision: open alerts for what came due, resolve what cleared, escalate what waited too
long, and tell people (inbox, email after their quiet hours, chat webhooks).

Every step is safe to run twice or concurrently: a due row is claimed with a conditional
UPDATE and its alert opened in the same transaction; alerts are unique by dedupe key."""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, Team, User
from salesop.activities.selectors import my_work
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.monitor import mail, rules, webhooks
from salesop.monitor.models import (
    Alert,
    AlertStatus,
    DeliveryAttempt,
    DeliveryStatus,
    DigestRun,
    Liveness,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from salesop.monitor.registry import KINDS
from salesop.playbook.registry import ALERT_KINDS
from salesop.playbook.schema import AlertRule
from salesop.playbook.selectors import active_playbook

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    opened: int = 0
    resolved: int = 0
    escalated: int = 0
    skipped_kinds: list[str] = field(default_factory=list)


@dataclass
class Sent:
    """What a sending pass did: messages the receiver accepted, and attempts that failed (each
    retried later with back-off, or given up after the last)."""

    sent: int = 0
    failed: int = 0
    # Email only: the most tries any failed message has had, and its error, to tell ops.
    most_attempts: int = 0
    last_error: str = ""

    def __add__(self, other: "Sent") -> "Sent":
        worse = self if self.most_attempts >= other.most_attempts else other
        return Sent(
            self.sent + other.sent,
            self.failed + other.failed,
            worse.most_attempts,
            worse.last_error,
        )


def _language(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def alert_title(alert: Alert, language: str) -> str:
    with translation.override(language):
        kind = KINDS.get(alert.kind)
        return str(kind.title(alert)) if kind else alert.kind


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


def preference_of(user: User) -> NotificationPreference:
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)


def _email_due(user: User, preference: NotificationPreference, now: datetime) -> datetime | None:
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
        title = alert_title(alert, _language(user))
        if event == "escalated":
            with translation.override(_language(user)):
                title = _("Escalated: %(title)s") % {"title": title}
        fields = {"url": alert.url, "created_at": now}
        fields["email_due_at"] = _email_due(user, preference, now)
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
    title = alert_title(alert, settings.LANGUAGE_CODE)
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


def alert_open(
    *,
    rule: AlertRule,
    dedupe_key: str,
    owner: User,
    team: Team | None,
    now: datetime,
    deal=None,
    state: str = "",
    params: dict | None = None,
    url: str = "",
) -> Alert | None:
    """Opens the alert unless one with the same dedupe key exists; tells `rule.notify`."""
    escalate_at = (
        now + timedelta(days=rule.escalate_after_days) if rule.escalate_after_days else None
    )
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=rule.kind,
                rule_key=rule.key,
                dedupe_key=dedupe_key[:200],
                owner=owner,
                team=team,
                deal=deal,
                state=state[:64],
                params=params or {},
                url=url,
                opened_at=now,
                escalate_at=escalate_at,
            )
    except IntegrityError:
        return None  # the same condition is already alerted
    notify(alert, recipients(rule.notify, owner, team), "opened", now)
    return alert


def alert_resolve(alert: Alert, now: datetime) -> bool:
    updated = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=AlertStatus.RESOLVED,
        resolved_at=now,
        escalate_at=None,
        open_seconds=max(0, int((now - alert.opened_at).total_seconds())),
    )
    return bool(updated)


def _escalate_due(playbook, now: datetime) -> int:
    rules_by_key = {rule.key: rule for rule in playbook.alerts}
    count = 0
    due = (
        Alert.objects.filter(escalate_at__lte=now, status=AlertStatus.OPEN)
        .select_related("owner", "team")
        .order_by("escalate_at")[:500]
    )
    for alert in due:
        with transaction.atomic():
            claimed = Alert.objects.filter(pk=alert.pk, escalate_at=alert.escalate_at).update(
                escalate_at=None, escalated_at=now, level=F("level") + 1
            )
            if not claimed:
                continue
            alert.level += 1
            rule = rules_by_key.get(alert.rule_key)
            targets = rule.escalate_to if rule else ["manager"]
            notify(alert, recipients(list(targets), alert.owner, alert.team), "escalated", now)
            count += 1
    return count


def sweep(now: datetime | None = None) -> SweepReport:
    """One pass of supervision over everything due at `now`."""
    now = now or timezone.now()
    playbook = active_playbook()
    report = SweepReport()
    for rule in playbook.alerts:
        kind = KINDS.get(rule.kind)
        if kind is None:
            report.skipped_kinds.append(rule.kind)  # declared; its data arrives with a later app
            continue
        report.opened += kind.open_due(rule, now, alert_open)
    open_kinds = set(
        Alert.objects.filter(status=AlertStatus.OPEN).values_list("kind", flat=True).distinct()
    )
    for name in sorted(open_kinds & set(KINDS)):
        open_alerts = Alert.objects.filter(kind=name, status=AlertStatus.OPEN).select_related(
            "deal"
        )
        for alert in KINDS[name].cleared(open_alerts):
            report.resolved += alert_resolve(alert, now)
    report.escalated = _escalate_due(playbook, now)
    return report


def deliver_due_webhooks(now: datetime | None = None, limit: int = 50) -> Sent:
    """Sends deliveries that are due. Each is claimed (lease) before the network call, so two
    senders never post the same attempt, and a sender that dies is covered by the lease."""
    now = now or timezone.now()
    result = Sent()
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .select_related("endpoint")
        .order_by("next_attempt_at")[:limit]
    )
    lease = rules.send_lease(settings.WEBHOOK_TIMEOUT_SECONDS)
    until = time.monotonic() + rules.BATCH_SECONDS
    for delivery in due:
        if time.monotonic() > until:
            break  # the rest wait for the next batch
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, next_attempt_at=delivery.next_attempt_at, status=DeliveryStatus.PENDING
        ).update(next_attempt_at=timezone.now() + lease, attempts=F("attempts") + 1)
        if not claimed:
            continue
        delivery.attempts += 1
        if _attempt(delivery, timezone.now()):
            result.sent += 1
        else:
            result.failed += 1
    return result


def _attempt(delivery: WebhookDelivery, now: datetime) -> bool:
    endpoint = delivery.endpoint
    url, headers, body = rules.webhook_request(
        endpoint.kind, endpoint.url, endpoint.secret, delivery.payload
    )
    result = webhooks.send(url, headers, body)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=result.status_code,
        error=result.error[:500],
        duration_ms=result.duration_ms,
    )
    if result.ok:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None, last_error=""
        )
        return True
    retry_at = rules.next_attempt(delivery.attempts, now)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED,
        next_attempt_at=retry_at,
        last_error=result.error[:500],
    )
    return False


# Someone whose address was removed, or who left, after a message was made: not a failure of
# the mail server (a notification stays in the inbox).
ADDRESSLESS = Q(user__email="") | Q(user__is_active=False)


def send_due_emails(now: datetime | None = None, limit: int = 200) -> Sent:
    """Emails the notifications that fell due, as webhook deliveries are sent: each claimed
    first (its due time moved past a lease by a conditional UPDATE), so two senders never send
    it and one that dies is covered by the lease; marked emailed only once the mail server
    accepted it, else retried with the same back-off, the error kept on it, and given up after
    the last try. Ops are told when email keeps failing (`_email_health`)."""
    now = now or timezone.now()
    result = Sent()
    waiting = Notification.objects.filter(email_due_at__lte=now, emailed_at__isnull=True)
    waiting.filter(ADDRESSLESS).update(email_due_at=None)
    due = waiting.exclude(ADDRESSLESS).select_related("user").order_by("email_due_at", "pk")[:limit]
    mailer = mail.Mailer()
    try:
        for note in due:
            if mailer.spent():
                break
            claimed = Notification.objects.filter(
                pk=note.pk, email_due_at=note.email_due_at, emailed_at__isnull=True
            ).update(
                email_due_at=timezone.now() + mailer.lease,
                email_attempts=F("email_attempts") + 1,
            )
            if not claimed:
                continue
            _mail(
                mailer,
                result,
                Notification.objects.filter(pk=note.pk),
                to=note.user.email,
                subject=note.title,
                body=f"{note.title}\n\n{absolute_url(note.url)}",
                attempts=note.email_attempts + 1,
                sent=lambda at: {"emailed_at": at, "email_due_at": None, "email_error": ""},
                failed=lambda retry_at, error, at: {
                    "email_due_at": retry_at,
                    "email_error": error,
                    "email_failed_at": None if retry_at else at,
                },
            )
    finally:
        mailer.close()
    _email_health(result, now)
    return result


def _mail(mailer, result: Sent, row, *, to, subject, body, attempts, sent, failed) -> None:
    """One claimed message sent, and its row (a one-row queryset) updated with the outcome:
    `sent(at)` or `failed(retry_at, error, at)` give the fields; `retry_at` is None when this
    was the last try."""
    error = mailer.send(to, subject, body)
    at = timezone.now()
    if not error:
        row.update(**sent(at))
        result.sent += 1
        return
    retry_at = rules.next_attempt(attempts, at)
    row.update(**failed(retry_at, error[:500], at))
    result.failed += 1
    if attempts >= result.most_attempts:
        result.most_attempts, result.last_error = attempts, error
    log.warning(
        "email to %s failed (try %d of %d, %s): %s",
        to,
        attempts,
        rules.MAX_ATTEMPTS,
        f"again at {retry_at:%Y-%m-%d %H:%M:%S}" if retry_at else "given up",
        error,
    )


EMAIL = Liveness.EMAIL


def _email_health(result: Sent, now: datetime) -> None:
    """Tells sales ops (inbox, every webhook that takes all alerts) once when a message has
    failed EMAIL_ALERT_AFTER_ATTEMPTS tries in a row, and once when email is accepted again.
    One outage is told once however many senders run (a conditional UPDATE claims it)."""
    if not (result.sent or result.most_attempts >= rules.EMAIL_ALERT_AFTER_ATTEMPTS):
        return
    pulse, _created = Liveness.objects.get_or_create(name=EMAIL)
    if result.sent:
        resumed = Liveness.objects.filter(pk=pulse.pk, alerted_at__isnull=False).update(
            at=now, alerted_at=None
        )
        if not resumed:
            Liveness.objects.filter(pk=pulse.pk).update(at=now)
        else:
            _tell_ops("email.resumed", now, lambda zone: _("The mail server accepts email again."))
    if result.most_attempts < rules.EMAIL_ALERT_AFTER_ATTEMPTS:
        return
    if not Liveness.objects.filter(pk=pulse.pk, alerted_at__isnull=True).update(alerted_at=now):
        return
    tries, error = result.most_attempts, result.last_error[:200]

    def text(zone: ZoneInfo) -> str:
        return _(
            "Email is not getting through: a message failed %(tries)d tries (%(error)s)."
            " Check SALESOP_EMAIL_URL and the mail server; the home page lists what waits."
        ) % {"tries": tries, "error": error}

    _tell_ops("email.failing", now, text)


def require_ops(user: User) -> None:
    if not user.can_administer:
        raise DomainError("forbidden", _("Only sales operations manage webhooks."))


def webhook_endpoint_save(
    *, by: User, endpoint: WebhookEndpoint | None = None, **values
) -> WebhookEndpoint:
    require_ops(by)
    try:
        webhooks.check_url(values.get("url", ""))
    except webhooks.WebhookRefused as exc:
        raise DomainError("webhook_url", str(exc), {"url": str(exc)}) from None
    unknown = sorted(set(values.get("alert_kinds") or []) - set(_known_kinds()))
    if unknown:
        raise DomainError(
            "alert_kinds",
            _("Unknown alert kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)},
            {"alert_kinds": _("Choose from the list.")},
        )
    endpoint = endpoint or WebhookEndpoint(created_by=by)
    for name, value in values.items():
        setattr(endpoint, name, value)
    full_clean_or_refuse(endpoint)
    with audit_actor(by):
        endpoint.save()
    return endpoint


def _known_kinds() -> list[str]:
    return list(ALERT_KINDS)


def webhook_send_test(*, endpoint: WebhookEndpoint, by: User) -> WebhookDelivery:
    """Posts a test message now and records it like any delivery."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        title = _("salesop test message from %(user)s") % {"user": by}
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="test",
        attempts=1,
        next_attempt_at=now + rules.send_lease(settings.WEBHOOK_TIMEOUT_SECONDS),
        payload={"event": "test", "title": title, "text": f"✅ {title}", "alert": None},
    )
    _attempt(delivery, now)
    delivery.refresh_from_db()
    return delivery


def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def preference_save(*, user: User, **values) -> NotificationPreference:
    preference = preference_of(user)
    unknown = sorted(set(values.get("muted_kinds") or []) - set(_known_kinds()))
    if unknown:
        raise DomainError(
            "muted_kinds",
            _("Unknown alert kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)},
            {"muted_kinds": _("Choose from the list.")},
        )
    for name, value in values.items():
        setattr(preference, name, value)
    preference.save()
    return preference


def send_daily_digests(now: datetime | None = None, hour: int = 8) -> Sent:
    """At `hour` local time each user gets their open alerts and today's tasks; managers also
    their team's open lapses. Written once per user and day, however often this runs, then
    sent like any email (`send_due_digests`)."""
    now = now or timezone.now()
    for user in User.objects.filter(is_active=True).exclude(email="").select_related("team"):
        local = now.astimezone(ZoneInfo(user.timezone or settings.TIME_ZONE))
        if local.hour != hour:
            continue
        if DigestRun.objects.filter(user=user, date=local.date()).exists():
            continue
        language = _language(user)
        mine = Alert.objects.filter(owner=user, status=AlertStatus.OPEN)
        team_lapses = Alert.objects.none()
        if Role.MANAGER in user.roles and user.team_id:
            team_lapses = Alert.objects.filter(
                ~Q(owner=user), status=AlertStatus.OPEN, team__path__startswith=user.team.path
            )
        with translation.override(language), timezone.override(local.tzinfo):
            work = my_work(user)
            lines = [_("Your open alerts:")] + [f"- {alert_title(a, language)}" for a in mine[:50]]
            lines += ["", _("Your tasks due today or overdue:")]
            lines += [
                f"- {t.title} ({t.due_at.astimezone(local.tzinfo):%m-%d %H:%M})"
                for t in work.overdue + work.today
            ]
            if team_lapses.exists():
                lines += ["", _("Your team's open SOP lapses:")]
                lines += [f"- {a.owner}: {alert_title(a, language)}" for a in team_lapses[:50]]
            subject = _("salesop daily digest %(date)s") % {"date": local.date().isoformat()}
        try:
            with transaction.atomic():
                DigestRun.objects.create(
                    user=user,
                    date=local.date(),
                    subject=subject[:200],
                    body="\n".join(lines),
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue  # another worker wrote it meanwhile
    return send_due_digests(now)


def send_due_digests(now: datetime | None = None, limit: int = 200) -> Sent:
    """Sends the digests that are due (new, or whose back-off ended), as `send_due_emails`
    sends notifications: claimed, sent, marked sent only once the server accepted them."""
    now = now or timezone.now()
    result = Sent()
    waiting = DigestRun.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    waiting.filter(ADDRESSLESS).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=_("No email address.")
    )
    due = (
        waiting.exclude(ADDRESSLESS)
        .select_related("user")
        .order_by("next_attempt_at", "pk")[:limit]
    )
    mailer = mail.Mailer()
    try:
        for digest in due:
            if mailer.spent():
                break
            claimed = DigestRun.objects.filter(
                pk=digest.pk,
                next_attempt_at=digest.next_attempt_at,
                status=DeliveryStatus.PENDING,
            ).update(next_attempt_at=timezone.now() + mailer.lease, attempts=F("attempts") + 1)
            if not claimed:
                continue
            _mail(
                mailer,
                result,
                DigestRun.objects.filter(pk=digest.pk),
                to=digest.user.email,
                subject=digest.subject,
                body=digest.body,
                attempts=digest.attempts + 1,
                sent=lambda at: {
                    "status": DeliveryStatus.SENT,
                    "sent_at": at,
                    "next_attempt_at": None,
                    "last_error": "",
                },
                failed=lambda retry_at, error, at: {
                    "status": DeliveryStatus.PENDING if retry_at else DeliveryStatus.FAILED,
                    "next_attempt_at": retry_at,
                    "last_error": error,
                },
            )
    finally:
        mailer.close()
    _email_health(result, now)
    return result


def send_due_notifications(now: datetime | None = None) -> Sent:
    """Everything waiting to be sent: webhook deliveries, emails, digests (new or retried)."""
    now = now or timezone.now()
    return deliver_due_webhooks(now) + send_due_emails(now) + send_due_digests(now)


SWEEP = Liveness.SWEEP


def sweep_recorded(now: datetime | None = None) -> None:
    """The worker completed a sweep: its pulse for /health/ and the ops home page. If ops had
    been told sweeps stopped, they are told they run again."""
    now = now or timezone.now()
    resumed = Liveness.objects.filter(name=SWEEP, alerted_at__isnull=False).update(
        at=now, alerted_at=None
    )
    if not resumed and not Liveness.objects.filter(name=SWEEP).update(at=now):
        Liveness.objects.get_or_create(name=SWEEP, defaults={"at": now})
    if resumed:
        _tell_ops("worker.resumed", now, lambda zone: _("The background worker runs again."))


def sweeps_watch(*, since: datetime, now: datetime | None = None) -> bool:
    """Tells sales ops (inbox, email, every webhook that takes all alerts) when the worker's
    last sweep is older than SALESOP_SWEEP_STALE_SECONDS, or none came that long after `since`
    (when the watcher started). Called by the web server (`salesop serve`), since the worker is
    what stopped: it sends at once what the worker would have sent. Once per outage, however
    many servers watch (a conditional UPDATE claims it). True if it told them."""
    now = now or timezone.now()
    cutoff = now - settings.SWEEP_STALE_AFTER
    pulse, _created = Liveness.objects.get_or_create(name=SWEEP)
    stale = Q(at__lt=cutoff) | Q(at__isnull=True) if since <= cutoff else Q(at__lt=cutoff)
    claimed = Liveness.objects.filter(stale, pk=pulse.pk, alerted_at__isnull=True).update(
        alerted_at=now
    )
    if not claimed:
        return False

    def text(zone: ZoneInfo) -> str:
        if pulse.at is None:
            said = _(
                "No background worker has swept since this server started at %(time)s: alerts,"
                " notifications, imports and scheduled jobs are not running. Start `salesop"
                " worker`, or read the log of `salesop serve`."
            )
        else:
            said = _(
                "The background worker has not swept since %(time)s: alerts, notifications,"
                " imports and scheduled jobs are not running. Start `salesop worker`, or read"
                " the log of `salesop serve`."
            )
        return said % {"time": (pulse.at or since).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")}

    _tell_ops("worker.stopped", now, text)
    deliver_due_webhooks(now)
    send_due_emails(now)
    return True


def _tell_ops(event: str, now: datetime, text) -> None:
    """An inbox entry for each active sales-ops user (emailed after their quiet hours) and a
    delivery to each active webhook that takes every alert (no kind or team filter).
    `text(zone)` says it, called in each reader's language and with their time zone."""
    url = reverse("home")
    people = User.objects.filter(is_active=True, role_grants__role=Role.OPS).distinct()
    for user in people:
        zone = ZoneInfo(user.timezone or settings.TIME_ZONE)
        with translation.override(_language(user)):
            title = str(text(zone))[:300]
        preference = preference_of(user)
        Notification.objects.create(
            user=user,
            title=title,
            url=url,
            created_at=now,
            email_due_at=_email_due(user, preference, now),
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
