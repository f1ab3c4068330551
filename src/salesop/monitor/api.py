from datetime import time

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Query, Router, Status

from salesop.accounts.models import Team
from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id
from salesop.core.pagination import keyset_page
from salesop.monitor import selectors, services
from salesop.monitor.schemas import (
    AlertPage,
    AlertQuery,
    DeliveryOut,
    NotificationOut,
    PreferenceIO,
    ReadIn,
    WebhookIn,
    WebhookOut,
)

router = Router(tags=["alerts"])


@router.get("/alerts", response={200: AlertPage, **READ_ERRORS}, operation_id="alerts_list")
def alerts_list(request, query: Query[AlertQuery]):
    filters = selectors.AlertFilters(**query.dict(exclude={"cursor"}, exclude_none=True))
    page = keyset_page(
        selectors.alerts_visible_to(request.user, filters),
        ordering=selectors.ALERT_ORDERING,
        cursor=query.cursor,
    )
    language = get_language() or "zh-hans"
    for alert in page.items:
        alert.title = selectors.alert_title(alert, language)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **READ_ERRORS},
    operation_id="notifications_list",
)
def notifications_list(request):
    return list(selectors.inbox_of(request.user)[:100])


@router.post(
    "/notifications/read", response={200: dict, **WRITE_ERRORS}, operation_id="notifications_read"
)
def notifications_read(request, payload: ReadIn):
    return {"marked": services.notifications_mark_read(user=request.user, ids=payload.ids)}


def _preference_out(preference) -> dict:
    return {
        "email_enabled": preference.email_enabled,
        "muted_kinds": preference.muted_kinds,
        "quiet_start": preference.quiet_start.strftime("%H:%M") if preference.quiet_start else None,
        "quiet_end": preference.quiet_end.strftime("%H:%M") if preference.quiet_end else None,
    }


@router.get(
    "/me/notification-preferences",
    response={200: PreferenceIO, **READ_ERRORS},
    operation_id="preferences_get",
)
def preferences_get(request):
    return _preference_out(selectors.preference_of(request.user))


@router.put(
    "/me/notification-preferences",
    response={200: PreferenceIO, **WRITE_ERRORS},
    operation_id="preferences_put",
)
def preferences_put(request, payload: PreferenceIO):
    values = payload.dict()
    for end in ("quiet_start", "quiet_end"):
        values[end] = time.fromisoformat(values[end]) if values[end] else None
    return _preference_out(services.preference_save(user=request.user, **values))


@router.get(
    "/webhooks",
    response={200: list[WebhookOut], **READ_ERRORS},
    operation_id="webhooks_list",
)
def webhooks_list(request):
    services.require_ops(request.user)
    return list(selectors.webhooks())


@router.post(
    "/webhooks", response={201: WebhookOut, **WRITE_ERRORS}, operation_id="webhooks_create"
)
def webhooks_create(request, payload: WebhookIn):
    services.require_ops(request.user)  # before the team is looked up: ids are not probed
    values = payload.dict()
    team_id = values.pop("team_id")
    team = get_object_or_404(Team, pk=team_id) if team_id else None
    return Status(201, services.webhook_endpoint_save(by=request.user, team=team, **values))


@router.post(
    "/webhooks/{endpoint_id}/test",
    response={200: DeliveryOut, **WRITE_ERRORS},
    operation_id="webhooks_test",
)
def webhooks_test(request, endpoint_id: Id):
    services.require_ops(request.user)
    endpoint = get_object_or_404(selectors.webhooks(), pk=endpoint_id)
    return services.webhook_send_test(endpoint=endpoint, by=request.user)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **READ_ERRORS},
    operation_id="webhooks_deliveries",
)
def webhooks_deliveries(request, endpoint_id: Id):
    services.require_ops(request.user)
    return selectors.deliveries_of(get_object_or_404(selectors.webhooks(), pk=endpoint_id))
