from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled
from salesop.core.pagination import keyset_page
from salesop.core.params import parse_id
from salesop.monitor import selectors, services
from salesop.monitor.forms import AlertFilterForm, PreferenceForm, WebhookForm


@login_required
def alert_list(request):
    form = styled(AlertFilterForm(request.GET or None))
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.AlertFilters(
        scope=data.get("scope") or "mine",
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        opened_from=data.get("opened_from"),
        opened_to=data.get("opened_to"),
    )
    try:
        page = keyset_page(
            selectors.alerts_visible_to(request.user, filters),
            ordering=selectors.ALERT_ORDERING,
            cursor=data.get("cursor") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("monitor:alerts")
    language = get_language() or "zh-hans"
    for alert in page.items:
        alert.title = selectors.alert_title(alert, language)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request, "monitor/alerts.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@login_required
def inbox(request):
    notes = list(selectors.inbox_of(request.user)[:100])
    return render(request, "monitor/inbox.html", {"notes": notes})


@login_required
@require_POST
def inbox_read(request):
    ids = [n for n in map(parse_id, request.POST.getlist("id")) if n is not None]
    services.notifications_mark_read(user=request.user, ids=ids or None)
    target = request.POST.get("next", "")
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else "monitor:inbox"
    )


@login_required
def preferences(request):
    current = selectors.preference_of(request.user)
    initial = {
        "email_enabled": current.email_enabled,
        "muted_kinds": current.muted_kinds,
        "quiet_start": current.quiet_start,
        "quiet_end": current.quiet_end,
    }
    form = styled(PreferenceForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_save(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("monitor:preferences")
    return render(request, "monitor/preferences.html", {"form": form})


def _require_ops(request) -> None:
    if not request.user.can_administer:
        raise PermissionDenied


@login_required
def webhook_list(request):
    _require_ops(request)
    form = styled(WebhookForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_save(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Webhook %(name)s saved.") % {"name": endpoint.name})
            return redirect("monitor:webhook", endpoint.pk)
    return render(
        request, "monitor/webhooks.html", {"form": form, "endpoints": selectors.webhooks()}
    )


@login_required
def webhook_detail(request, endpoint_id: int):
    _require_ops(request)
    endpoint = get_object_or_404(selectors.webhooks(), pk=endpoint_id)
    fields = ("name", "kind", "url", "secret", "alert_kinds", "team", "is_active")
    form = styled(
        WebhookForm(request.POST or None, initial={f: getattr(endpoint, f) for f in fields})
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_save(by=request.user, endpoint=endpoint, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("monitor:webhook", endpoint.pk)
    return render(
        request,
        "monitor/webhook.html",
        {"endpoint": endpoint, "form": form, "deliveries": selectors.deliveries_of(endpoint)},
    )


@login_required
@require_POST
def webhook_test(request, endpoint_id: int):
    _require_ops(request)
    endpoint = get_object_or_404(selectors.webhooks(), pk=endpoint_id)
    delivery = services.webhook_send_test(endpoint=endpoint, by=request.user)
    if delivery.status == "sent":
        messages.success(request, _("The test message was delivered."))
    else:
        messages.error(
            request, _("The test message failed: %(error)s") % {"error": delivery.last_error}
        )
    return redirect("monitor:webhook", endpoint.pk)


@require_safe
@never_cache
def health(request):
    """For load balancers and monitoring, without a login: whether the database answers and
    when the worker last swept. 503 when either is wrong. Nothing about users or records."""
    try:
        worker = selectors.worker_status()
    except DatabaseError:
        worker = None
    last, age = (worker.last_sweep_at, worker.age) if worker else (None, None)
    healthy = worker is not None and not worker.stale
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if worker else "unavailable",
        "worker": {
            "last_sweep_at": last and last.isoformat(),
            "seconds_since_sweep": None if age is None else int(age.total_seconds()),
            "stale_after_seconds": int(settings.SWEEP_STALE_AFTER.total_seconds()),
            "sweeping": healthy,
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
