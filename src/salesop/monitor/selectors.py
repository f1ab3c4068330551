from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from salesop.accounts.models import Role, User
from salesop.monitor.models import (
    Alert,
    Liveness,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)

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
