from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.activities import selectors, services
from salesop.activities.forms import ActivityForm, TaskForm
from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled
from salesop.core.timeline import timeline_for
from salesop.customers.selectors import account_for
from salesop.deals.selectors import deal_for
from salesop.leads.selectors import lead_for


def _record(request, kind: str, record_id: int):
    """(record, account, deal, lead) for a panel post, fetched through the record's selector."""
    if kind == "deal":
        deal = deal_for(request.user, record_id)
        return deal, deal.account, deal, None
    if kind == "lead":
        lead = lead_for(request.user, record_id)
        return lead, lead.account, None, lead
    if kind == "account":
        account = account_for(request.user, record_id)
        return account, account, None, None
    raise Http404


@login_required
def timeline(request, kind: str, record_id: int):
    """A lead's, deal's or company's timeline, loaded when its card comes into view (a page of
    its own without htmx)."""
    record = _record(request, kind, record_id)[0]
    story = timeline_for(record, request.user)
    context = {"record": record, "record_kind": kind, "timeline": story}
    if request.htmx:
        return render(request, "activities/_partials/timeline.html", context)
    return render(request, "activities/timeline.html", context)


def _panel_post(request, kind: str, record_id: int, make_form, save, form_key: str):
    """Validates a form posted from a record's activity panel (`make_form(account)`) and saves
    it with `save`; htmx gets the panel back (422 with the errors when refused), a plain post
    a redirect."""
    record, account, deal, lead = _record(request, kind, record_id)
    form = styled(make_form(account))
    status = 422
    if form.is_valid():
        try:
            save(by=request.user, account=account, deal=deal, lead=lead, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            form, status = None, 200
    if request.htmx:
        # the panel again, its timeline with what was just logged
        context = selectors.activity_panel_context(
            record, request.user, **{form_key: form}, with_timeline=True
        )
        response = render(request, "activities/_partials/panel.html", context, status=status)
        if form_key == "form" and status == 200 and lead and not lead.first_contacted_at:
            response["HX-Refresh"] = "true"  # the first contact opens grading: the whole page
        return response
    if status != 200:
        messages.error(request, _("Not saved: please correct the fields marked."))
    return redirect(record.get_absolute_url())


@login_required
@require_POST
def activity_log(request, kind: str, record_id: int):
    return _panel_post(
        request,
        kind,
        record_id,
        lambda account: ActivityForm(request.POST, contacts=selectors.contact_choices(account)),
        services.activity_log,
        "form",
    )


@login_required
@require_POST
def task_create(request, kind: str, record_id: int):
    return _panel_post(
        request,
        kind,
        record_id,
        lambda account: TaskForm(request.POST),
        services.task_create,
        "task_form",
    )


@login_required
@require_POST
def task_done(request, task_id: int):
    task = get_object_or_404(selectors.tasks_visible_to(request.user), pk=task_id)
    try:
        services.task_complete(
            task=task, by=request.user, done=request.POST.get("done", "1") == "1"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    next_url = request.POST.get("next", "")
    return redirect(
        next_url if next_url.startswith("/") and not next_url.startswith("//") else "home"
    )
