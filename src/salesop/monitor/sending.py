"""Sending what notices left waiting: webhook deliveries, emails and daily digests. Each row is
claimed (a lease, by a conditional UPDATE) before the network call, so two senders never send
it and one that dies is covered by the lease."""

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, User
from salesop.activities.selectors import my_work
from salesop.monitor import mail, rules, webhooks
from salesop.monitor.models import (
    Alert,
    AlertStatus,
    DeliveryAttempt,
    DeliveryStatus,
    DigestRun,
    Liveness,
    Notification,
    WebhookDelivery,
)
from salesop.monitor.notices import absolute_url, language_of, tell_ops
from salesop.monitor.selectors import alert_title

log = logging.getLogger(__name__)


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
        if attempt(delivery, timezone.now()):
            result.sent += 1
        else:
            result.failed += 1
    return result


def attempt(delivery: WebhookDelivery, now: datetime) -> bool:
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
            tell_ops("email.resumed", now, lambda zone: _("The mail server accepts email again."))
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

    tell_ops("email.failing", now, text)


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
        language = language_of(user)
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
