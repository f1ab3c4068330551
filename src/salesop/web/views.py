from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from salesop.accounts.models import Role
from salesop.activities.selectors import my_work
from salesop.aftersales.business_calendar import unknown_holiday_year
from salesop.core.audit import audit_entries_for, audit_record_for
from salesop.core.time import company_today
from salesop.customers.selectors import accounts_visible_to
from salesop.monitor.selectors import email_status, worker_status
from salesop.playbook.selectors import active_playbook
from salesop.web.home import queues_for
from salesop.web.search import search as search_records


@login_required
def history(request, label: str, pk: int):
    """A record's audit trail, loaded when its card is opened (a whole page without htmx)."""
    record = audit_record_for(request.user, label, pk)
    context = {"record": record, "audit_entries": audit_entries_for(record)}
    if request.htmx:
        return render(request, "web/_partials/audit_rows.html", context)
    return render(request, "web/history.html", context)


@login_required
def search(request):
    """The search box's answer: a few of each kind under the box as one types (htmx), or the
    whole page when the search is sent."""
    q = request.GET.get("q", "")
    if request.htmx:
        results = search_records(request.user, q, shown=5)
        return render(request, "web/_partials/search_results.html", {"results": results})
    results = search_records(request.user, q, shown=20)
    return render(request, "web/search.html", {"results": results, "q": results.words.text})


@login_required
def home(request):
    labels = dict(Role.choices)
    return render(
        request,
        "web/home.html",
        {
            "roles": [labels[role] for role in sorted(request.user.roles)],
            "recent_accounts": accounts_visible_to(request.user).order_by("-created_at", "-id")[:8],
            "work": my_work(request.user),
            "queues": queues_for(request.user),
            # Sales ops own the playbook's calendar: they hear first that next year's is unknown.
            "holiday_year": unknown_holiday_year(active_playbook(), company_today())
            if request.user.can_administer
            else None,
            # Sales ops keep the worker running: they see whether it sweeps.
            "worker": worker_status() if request.user.can_administer else None,
            # ... and whether the mail server takes what is sent.
            "email": email_status() if request.user.can_administer else None,
        },
    )


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (open too long, its cookie gone, or sent from another
    site): the site's own page in the reader's language, saying what to do, instead of Django's
    technical English one. Nothing was saved."""
    if request.headers.get("HX-Request"):  # htmx swaps no 403: the page reloads and says so
        messages.error(request, _("Nothing was saved: the page had expired. Please try again."))
        return HttpResponse(status=403, headers={"HX-Refresh": "true"})
    if request.headers.get("X-Requested-With") == "fetch":  # the board's drag: its panel
        return render(request, "web/_partials/csrf_alert.html", status=403)
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    return render(request, "web/csrf_failure.html", {"back": back}, status=403)
