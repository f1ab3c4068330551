from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from salesop.accounts.models import Role, User
from salesop.monitor.models import (
    Alert,
    DeliveryStatus,
    DigestRun,
    Liveness,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from salesop.monitor.registry import KINDS

ALERT_ORDERING = ("-opened_at", "-id")


@dataclass
class AlertFilters:
    scope: str = "mine"  # mine | team
    status: str = ""
    kind: str = ""
    opened_from: date | None = None
    opened_to: date | None = None


def alerts_visible_to(user: User, filters: AlertFilters | None = None) -> QuerySet[Alert]:
    """Your alerts; with scope=team, a manager's team subtree (everything for sales ops)."""
    f = filters or AlertFilters()
    alerts = Alert.objects.select_related("owner", "team", "deal__playbook_version")
    if f.scope != "team":
        alerts = alerts.filter(owner=user)
    elif not user.sees_everything:
        if Role.MANAGER in user.roles and user.team_id:
            alerts = alerts.filter(Q(team__path__startswith=user.team.path) | Q(owner=user))
        else:
            alerts = alerts.filter(owner=user)
    if f.status:
        alerts = alerts.filter(status=f.status)
    if f.kind:
        alerts = alerts.filter(kind=f.kind)
    if f.opened_from:
        alerts = alerts.filter(opened_at__date__gte=f.opened_from)
    if f.opened_to:
        alerts = alerts.filter(opened_at__date__lte=f.opened_to)
    return alerts


def inbox_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def webhooks() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.select_related("team").order_by("name")


def deliveries_of(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.prefetch_related("tries")[:limit])


@dataclass(frozen=True)
class WorkerStatus:
    last_sweep_at: datetime | None
    age: timedelta | None
    stale: bool  # no sweep within SALESOP_SWEEP_STALE_SECONDS (or none ever)


def worker_status(now: datetime | None = None) -> WorkerStatus:
    """When the worker last completed a sweep; nothing about who or what it touched, so the
    public health check may show it."""
    now = now or timezone.now()
    at = Liveness.objects.filter(name=Liveness.SWEEP).values_list("at", flat=True).first()
    age = max(now - at, timedelta(0)) if at else None
    return WorkerStatus(at, age, age is None or age > settings.SWEEP_STALE_AFTER)


@dataclass(frozen=True)
class EmailStatus:
    retrying: int  # messages (notifications and digests) waiting for another try
    given_up: int  # failed every try, in the last EMAIL_GIVEN_UP_SHOWN
    last_error: str

    @property
    def failing(self) -> bool:
        return bool(self.retrying or self.given_up)


EMAIL_GIVEN_UP_SHOWN = timedelta(days=7)


def email_status(now: datetime | None = None) -> EmailStatus:
    """Email the mail server has not accepted: what waits for a retry, what was given up
    lately, and the latest error, for the sales-ops home page."""
    now = now or timezone.now()
    since = now - EMAIL_GIVEN_UP_SHOWN
    retrying_notes = Notification.objects.filter(
        email_due_at__isnull=False, emailed_at__isnull=True
    ).exclude(email_error="")
    retrying_digests = DigestRun.objects.filter(status=DeliveryStatus.PENDING).exclude(
        last_error=""
    )
    given_up = (
        Notification.objects.filter(email_failed_at__gte=since).count()
        + DigestRun.objects.filter(status=DeliveryStatus.FAILED, date__gte=since.date()).count()
    )
    retrying = retrying_notes.count() + retrying_digests.count()
    error = ""
    if retrying or given_up:
        error = (
            retrying_notes.order_by("-email_attempts").values_list("email_error", flat=True).first()
            or retrying_digests.values_list("last_error", flat=True).first()
            or Notification.objects.filter(email_failed_at__gte=since)
            .order_by("-email_failed_at")
            .values_list("email_error", flat=True)
            .first()
            or DigestRun.objects.filter(status=DeliveryStatus.FAILED, date__gte=since.date())
            .values_list("last_error", flat=True)
            .first()
            or ""
        )
    return EmailStatus(retrying, given_up, error)


def alert_title(alert: Alert, language: str) -> str:
    with translation.override(language):
        kind = KINDS.get(alert.kind)
        return str(kind.title(alert)) if kind else alert.kind


def preference_of(user: User) -> NotificationPreference:
    try:
        return user.notification_preference
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)
