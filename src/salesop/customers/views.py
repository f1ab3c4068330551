from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.activities.selectors import activity_panel_context
from salesop.aftersales.selectors import account_context
from salesop.core.errors import DomainError
from salesop.core.export import csv_rows
from salesop.core.forms import add_domain_error, styled
from salesop.core.pagination import keyset_page
from salesop.core.params import parse_id
from salesop.customers import rules, selectors, services
from salesop.customers.forms import AccountForm, AccountSearchForm, ContactForm
from salesop.customers.profiling import latest
from salesop.deals.selectors import deals_visible_to
from salesop.playbook import customfields
from salesop.playbook.customfields import FILTER_PREFIX, custom_filters
from salesop.playbook.forms import add_custom_filters
from salesop.playbook.models import FieldModel


def _search(request) -> tuple[AccountSearchForm, str, dict[str, str]]:
    """The list's search form (a word, and an input per custom field) and what it asks for."""
    search = AccountSearchForm(request.GET)
    add_custom_filters(search, FieldModel.ACCOUNT)
    search.is_valid()
    data = search.cleaned_data
    custom = custom_filters(data)
    return styled(search), data.get("q", ""), custom


@login_required
def account_list(request):
    search, q, custom = _search(request)
    try:
        page = keyset_page(
            selectors.accounts_visible_to(request.user, search=q, custom=custom),
            ordering=selectors.ACCOUNT_ORDERING,
            cursor=search.cleaned_data.get("cursor") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:list")
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "q": q,
        "search": search,
        "query": query.urlencode(),
        "custom_filters": [
            search[name] for name in search.fields if name.startswith(FILTER_PREFIX)
        ],
    }
    template = "customers/_partials/rows.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
def account_detail(request, account_id: int):
    account = selectors.account_for(request.user, account_id)
    return render(
        request,
        "customers/detail.html",
        {
            "account": account,
            "contacts": account.contacts.all(),
            "contact_form": styled(ContactForm()),
            "deals": deals_visible_to(request.user)
            .filter(account=account)
            .order_by("-created_at")[:50],
            "audit_of": account,
            "may_merge": rules.may_merge(request.user),
            **activity_panel_context(account, request.user),
            **account_context(request.user, account),
        },
    )


@login_required
def account_create(request):
    form = styled(AccountForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Company %(name)s created.") % {"name": account.name})
            return redirect("customers:detail", account.pk)
    return render(request, "customers/form.html", {"form": form})


@login_required
def account_edit(request, account_id: int):
    account = selectors.account_for(request.user, account_id)
    initial = {name: getattr(account, name) for name in services.EDITABLE_FIELDS}
    form = styled(AccountForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(account=account, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:detail", account.pk)
    return render(request, "customers/form.html", {"form": form, "account": account})


@login_required
def account_export(request):
    """Every company the user can see (and matching the search), streamed as CSV."""
    _form, q, custom = _search(request)
    try:
        accounts = selectors.accounts_visible_to(request.user, search=q, custom=custom)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:list")
    fields = customfields.definitions(FieldModel.ACCOUNT)
    people = customfields.people_named(fields)
    header = [
        _("ID"),
        _("Company name"),
        _("Industry"),
        _("Region"),
        _("Website"),
        _("Tier"),
        _("Owner"),
        _("Created"),
        *(field.label for field in fields),
    ]
    rows = (
        [
            a.pk,
            a.name,
            a.industry,
            a.region,
            a.website,
            a.get_tier_display(),
            str(a.owner),
            timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M"),
            *(customfields.as_text(f, v, people) for f, v in customfields.values_of(a, fields)),
        ]
        for a in accounts.order_by(*selectors.ACCOUNT_ORDERING).iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="companies.csv"'
    return response


@login_required
@require_POST
def account_merge(request, account_id: int):
    keep = selectors.account_for(request.user, account_id)
    other = parse_id(request.POST.get("other", "").strip())
    if other is None:
        messages.error(request, _("Enter the number (ID) of the duplicate company."))
        return redirect("customers:detail", keep.pk)
    merge = selectors.account_for(request.user, other)
    try:
        record = services.account_merge(keep=keep, merge=merge, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(name)s was merged into this company.") % {"name": record.merged_name}
        )
    return redirect("customers:detail", keep.pk)


@login_required
def icp_page(request):
    """The ideal customer profile with its evidence, and the win model's report."""
    if request.method == "POST":
        if not request.user.can_administer:
            raise PermissionDenied
        services.training_start(by=request.user)
        return redirect("customers:icp")
    profile, model = latest("icp"), latest("win_model")
    stats = sorted(
        (profile.report.get("stats", []) if profile else []),
        key=lambda s: (not s["in_profile"], -s["lift"]),
    )
    labels = {
        "industry": _("Industry"),
        "size": _("Employees"),
        "region": _("Region"),
        "decision_chain": _("Decision chain"),
        "pain": _("Pain points"),
        "channel": _("Channel"),
        "single": _("single decision maker"),
        "multi-level": _("multi-level decision"),
    }
    for stat in stats:
        stat["attribute_label"] = labels.get(stat["attribute"], stat["attribute"])
        stat["value_label"] = labels.get(stat["value"], stat["value"])
    run = selectors.latest_training_run()
    if request.htmx:
        return render(request, "customers/_partials/training.html", {"run": run})
    return render(
        request,
        "customers/icp.html",
        {"profile": profile, "model": model, "stats": stats, "run": run},
    )


@login_required
@require_POST
def contact_add(request, account_id: int):
    account = selectors.account_for(request.user, account_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_create(account=account, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, " ".join([exc.message, *exc.fields.values()]))
        else:
            messages.success(request, _("Contact added."))
    else:
        messages.error(
            request,
            _("Not saved: please correct the fields marked.")
            + " "
            + " ".join(
                f"{form.fields[name].label}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ),
        )
    return redirect("customers:detail", account.pk)
