from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.accounts.selectors import colleagues_visible_to
from salesop.activities.selectors import activity_panel_context
from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled
from salesop.core.imports import FIELD_LABELS
from salesop.core.imports import KINDS as IMPORT_KINDS
from salesop.core.pagination import keyset_page
from salesop.customers.models import Account
from salesop.leads import channels, jobs, rules, selectors, services
from salesop.leads.forms import (
    AssignForm,
    BantForm,
    ChannelForm,
    ConvertForm,
    DisqualifyForm,
    ImportUploadForm,
    LeadEditForm,
    LeadFilterForm,
    LeadForm,
    SpendForm,
)
from salesop.leads.rules import bant_score
from salesop.playbook.customfields import custom_filters
from salesop.playbook.forms import add_custom_filters
from salesop.playbook.models import FieldModel
from salesop.playbook.selectors import active_playbook


def _language() -> str:
    return get_language() or "zh-hans"


def _statuses(playbook):
    return [(s.key, s.label.get(_language())) for s in playbook.lead_statuses]


def _filters(request, playbook):
    """The list's filter form and the filters it asks for (also used by the exports)."""
    form = LeadFilterForm(
        request.GET or None,
        statuses=_statuses(playbook),
        channels=selectors.channels(),
        owners=colleagues_visible_to(request.user),
    )
    add_custom_filters(form, FieldModel.LEAD)  # each custom field a filter: ?custom.<key>=
    styled(form)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.LeadFilters(
        status=data.get("status") or "",
        grade=data.get("grade") or "",
        channel_id=data["channel"].pk if data.get("channel") else None,
        owner_id=data["owner"].pk if data.get("owner") else None,
        q=data.get("q") or "",
        fit_min=data.get("fit_min"),
        custom=custom_filters(data),
    )
    return form, data, filters


ROW_FIELDS = (
    "company_name",
    "contact_name",
    "status",
    "grade",
    "score",
    "icp_fit",
    "win_probability",
    "created_at",
    "channel__name",
    "owner__username",
    "owner__full_name",
)


@login_required
def lead_list(request):
    playbook = active_playbook()
    form, data, filters = _filters(request, playbook)
    sort = data.get("sort") or "newest"
    try:
        # only the columns a row shows (and the orderings read): a lead has 54
        leads = selectors.lead_list(request.user, filters, sort).only(*ROW_FIELDS)
        page = keyset_page(
            leads, ordering=selectors.LEAD_ORDERINGS[sort], cursor=data.get("cursor") or None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("leads:list")
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "statuses": dict(_statuses(playbook)),
    }
    return render(
        request, "leads/_partials/rows.html" if request.htmx else "leads/list.html", context
    )


@login_required
def lead_create(request):
    form = styled(
        LeadForm(request.POST or None, channels=selectors.channels().filter(is_active=True))
    )
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(by=request.user, owner=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Lead %(name)s created.") % {"name": lead})
            return redirect("leads:detail", lead.pk)
    return render(request, "leads/form.html", {"form": form})


@login_required
def lead_edit(request, lead_id: int):
    lead = selectors.lead_for(request.user, lead_id)
    if refusal := rules.edit_refusal(lead):  # the deal and its company carry the story on
        messages.error(request, refusal)
        return redirect("leads:detail", lead.pk)
    initial = {name: getattr(lead, name) for name in services.EDITABLE_FIELDS}
    form = styled(LeadEditForm(request.POST or None, initial=initial))
    form.fields["expected_version"].initial = lead.version
    if request.method == "POST" and form.is_valid():
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.EDITABLE_FIELDS
        }
        if "budget" in changed:  # an amount is read in its currency
            changed["budget_currency"] = form.cleaned_data["budget_currency"]
        try:
            services.lead_update(
                lead=lead,
                by=request.user,
                expected_version=form.cleaned_data["expected_version"],
                **changed,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("leads:detail", lead.pk)
    return render(
        request, "leads/form.html", {"form": form, "lead": lead}, status=422 if form.errors else 200
    )


def _detail_context(request, lead, **extra):
    playbook = active_playbook()
    language = _language()
    reasons = [(r.key, r.label.get(language)) for r in playbook.disqualify_reasons]
    initial = {f"bant_{k}": v for k, v in lead.bant.items()}
    initial["pain_tags"] = ", ".join(lead.pain_tags)
    return {
        "lead": lead,
        "status_label": dict(_statuses(playbook)).get(lead.status, lead.status),
        "score": bant_score(lead.bant, playbook.bant, language) if lead.bant else None,
        "bant_form": styled(BantForm(initial=initial, model=playbook.bant, language=language)),
        "disqualify_form": styled(DisqualifyForm(reasons=reasons)),
        "disqualify_reasons": dict(reasons),
        "convert_form": styled(
            ConvertForm(
                initial={
                    "deal_name": lead.company_name,
                    "amount": lead.budget,  # what the customer said they may spend
                    "currency": lead.budget_currency,
                }
            )
        ),
        "assign_form": styled(AssignForm(owners=colleagues_visible_to(request.user))),
        "can_assign": rules.may_assign(request.user),
        "audit_of": lead,
        # the company it matched is linked only for a reader who may open it
        "account_visible": bool(lead.account_id)
        and Account.objects.seen_by(request.user, lead.account_id),
        "is_open": lead.status in services.OPEN_STATUSES,
        **activity_panel_context(lead, request.user),
        **extra,
    }


@login_required
def lead_detail(request, lead_id: int):
    lead = selectors.lead_for(request.user, lead_id)
    return render(request, "leads/detail.html", _detail_context(request, lead))


def _act(request, lead, action, success: str):
    try:
        result = action()
    except DomainError as exc:
        messages.error(
            request, exc.message + (" " + "; ".join(exc.fields.values()) if exc.fields else "")
        )
        return None
    messages.success(request, success)
    return result


@login_required
@require_POST
def lead_qualify(request, lead_id: int):
    lead = selectors.lead_for(request.user, lead_id)
    playbook = active_playbook()
    form = BantForm(request.POST, model=playbook.bant, language=_language())
    if form.is_valid():
        score = _act(
            request,
            lead,
            lambda: services.lead_qualify(
                lead=lead, by=request.user, bant=form.answers(), pain_tags=form.tags()
            ),
            _("Lead graded."),
        )
        if score:
            messages.info(
                request,
                _("Score %(score)d, grade %(grade)s.")
                % {"score": score.total, "grade": score.grade},
            )
    return redirect("leads:detail", lead.pk)


@login_required
@require_POST
def lead_disqualify(request, lead_id: int):
    lead = selectors.lead_for(request.user, lead_id)
    reason, note = request.POST.get("reason", ""), request.POST.get("note", "")[:300]
    _act(
        request,
        lead,
        lambda: services.lead_disqualify(lead=lead, by=request.user, reason=reason, note=note),
        _("Lead disqualified."),
    )
    return redirect("leads:detail", lead.pk)


@login_required
@require_POST
def lead_convert(request, lead_id: int):
    lead = selectors.lead_for(request.user, lead_id)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the deal a name, and a valid amount and date."))
        return redirect("leads:detail", lead.pk)
    deal = _act(
        request,
        lead,
        lambda: services.lead_convert(lead=lead, by=request.user, **form.cleaned_data),
        _("Converted into a deal."),
    )
    return redirect("deals:detail", deal.pk) if deal else redirect("leads:detail", lead.pk)


@login_required
@require_POST
def lead_assign(request, lead_id: int):
    lead = selectors.lead_for(request.user, lead_id)
    form = AssignForm(request.POST, owners=colleagues_visible_to(request.user))
    if form.is_valid():
        _act(
            request,
            lead,
            lambda: services.lead_assign(lead=lead, to=form.cleaned_data["owner"], by=request.user),
            _("Lead reassigned."),
        )
    else:
        messages.error(request, _("Choose someone you manage."))
    return redirect("leads:detail", lead.pk)


@login_required
def channel_list(request):
    """Channels with their lead counts and spend; sales ops add channels and intake keys."""
    form = styled(ChannelForm(request.POST or None))
    if request.method == "POST":
        if not request.user.can_administer:
            raise PermissionDenied
        if form.is_valid():
            try:
                channels.channel_create(by=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Channel created."))
                return redirect("leads:channels")
    listed = selectors.channels().annotate(n_leads=Count("leads"))
    return render(request, "leads/channels.html", {"form": form, "channels": listed})


@login_required
def channel_detail(request, channel_id: int):
    channel = get_object_or_404(selectors.channels(), pk=channel_id)
    form = styled(SpendForm(request.POST or None))
    new_key = None
    if request.method == "POST":
        if not request.user.can_administer:
            raise PermissionDenied
        if "rotate_key" in request.POST:
            new_key = channels.channel_rotate_intake_key(channel=channel, by=request.user)
        elif form.is_valid():
            try:
                channels.channel_spend_set(channel=channel, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Spend saved."))
                return redirect("leads:channel", channel.pk)
    return render(
        request,
        "leads/channel.html",
        {
            "channel": channel,
            "form": form,
            "new_key": new_key,
            "spend": channel.spend.all()[:24],
            "n_leads": channel.leads.count(),
        },
    )


# Import and export ------------------------------------------------------------------------


@login_required
def import_new(request):
    channels = selectors.channels().filter(is_active=True)
    form = styled(
        ImportUploadForm(
            request.POST or None, request.FILES or None, channels=channels, user=request.user
        )
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = jobs.import_upload(
                by=request.user,
                upload=form.cleaned_data["file"],
                channel=form.cleaned_data["channel"],
                kind=form.cleaned_data["kind"] or "leads",
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("leads:import", job.pk)
    return render(
        request, "leads/import_new.html", {"form": form, "jobs": selectors.imports_of(request.user)}
    )


@login_required
def import_detail(request, job_id: int):
    job = selectors.import_for(request.user, job_id)
    if request.method == "POST":
        mapping = {column: request.POST.get(f"map_{i}", "") for i, column in enumerate(job.columns)}
        value_map: dict[str, dict[str, str]] = {}
        for name, ours in request.POST.items():
            if name.startswith("value:"):
                target, _colon, theirs = name.removeprefix("value:").partition(":")
                value_map.setdefault(target, {})[theirs] = ours
        try:
            jobs.import_start(
                job=job,
                by=request.user,
                mapping=mapping,
                dedupe=request.POST.get("dedupe", "skip"),
                all_or_nothing=request.POST.get("mode") != "valid_only",
                dry_run="dry_run" in request.POST,
                date_order=request.POST.get("date_order", "ymd"),
                create_owners="create_owners" in request.POST,
                value_map=value_map,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("leads:import", job.pk)
    template = "leads/_partials/import_progress.html" if request.htmx else "leads/import.html"
    return render(
        request,
        template,
        {
            "job": job,
            "fields": [
                (name, FIELD_LABELS.get(name, name)) for name in IMPORT_KINDS[job.kind].fields
            ],
            "columns": [(i, (c, job.mapping.get(c, ""))) for i, c in enumerate(job.columns)],
            "values": [] if request.htmx else selectors.import_values(job),
            "may_resume": job.resumable and rules.may_resume_import(request.user, job),
        },
    )


@login_required
@require_POST
def import_resume(request, job_id: int):
    job = selectors.import_for(request.user, job_id)
    try:
        jobs.import_resume(job=job, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("leads:import", job.pk)


@login_required
def import_errors(request, job_id: int):
    job = selectors.import_for(request.user, job_id)
    if not job.error_report:
        raise Http404
    return FileResponse(
        job.error_report.open("rb"), as_attachment=True, filename=f"import-{job.pk}-errors.csv"
    )


@login_required
@require_POST
def lead_export(request, fmt: str):
    """Starts a background export of the list as filtered (the filters in the query string),
    then shows its progress. A POST with the CSRF token: a link another site shows cannot
    start one."""
    try:
        job = jobs.export_start(by=request.user, fmt=fmt, query=request.GET.urlencode())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("leads:list")
    return redirect("leads:export_job", job.pk)


@login_required
def export_job(request, job_id: int):
    job = get_object_or_404(selectors.exports_of(request.user), pk=job_id)
    template = "leads/_partials/export_progress.html" if request.htmx else "leads/export.html"
    return render(request, template, {"job": job})


@login_required
def export_download(request, job_id: int):
    job = get_object_or_404(selectors.exports_of(request.user), pk=job_id)
    if not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=f"leads.{job.fmt}")
