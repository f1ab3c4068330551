from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.accounts.selectors import colleagues_visible_to, teams_visible_to
from salesop.activities.selectors import activity_panel_context
from salesop.contracts.selectors import deal_card_context
from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled
from salesop.core.pagination import keyset_page
from salesop.core.params import parse_id
from salesop.customers.selectors import account_for, accounts_visible_to
from salesop.deals import selectors, services
from salesop.deals.discovery import services as discovery
from salesop.deals.discovery.views import decision_chain_context
from salesop.deals.forms import (
    DealCreateForm,
    DealFilterForm,
    DealForm,
    LostForm,
    MoveForm,
    ReopenForm,
    StakeholderForm,
    TickForm,
)
from salesop.deals.rules import may_override
from salesop.playbook.customfields import custom_filters
from salesop.playbook.forms import add_custom_filters
from salesop.playbook.models import FieldModel
from salesop.playbook.selectors import active_playbook
from salesop.pricing.selectors import quotes_context


def _stage_choices(playbook):
    language = get_language() or "zh-hans"
    return [(s.key, s.label.get(language)) for s in playbook.stages] + [
        ("won", playbook.closed.won.get(language)),
        ("lost", playbook.closed.lost.get(language)),
    ]


@login_required
def deal_list(request):
    playbook = active_playbook()
    form = DealFilterForm(
        request.GET or None,
        stages=_stage_choices(playbook),
        owners=colleagues_visible_to(request.user),
        teams=teams_visible_to(request.user),
    )
    add_custom_filters(form, FieldModel.DEAL)  # each custom field a filter: ?custom.<key>=
    styled(form)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.DealFilters(
        owner_id=data["owner"].pk if data.get("owner") else None,
        team_id=data["team"].pk if data.get("team") else None,
        stage=data.get("stage") or "",
        status=data.get("status") or "",
        amount_min=data.get("amount_min"),
        amount_max=data.get("amount_max"),
        close_from=data.get("close_from"),
        close_to=data.get("close_to"),
        q=data.get("q") or "",
        custom=custom_filters(data),
    )
    try:
        page = keyset_page(
            selectors.deals_visible_to(request.user, filters),
            ordering=selectors.DEAL_ORDERING,
            cursor=data.get("cursor") or None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("deals:list")
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "labels": dict(_stage_choices(playbook)),
    }
    template = "deals/_partials/rows.html" if request.htmx else "deals/list.html"
    return render(request, template, context)


@login_required
def deal_board(request):
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    stages = [s.key for s in playbook.stages]
    columns = selectors.board_columns(request.user, stages)
    for column in columns:
        column.label = playbook.stage_label(column.stage, language)
    return render(
        request,
        "deals/board.html",
        {"columns": columns, "won_label": playbook.closed.won.get(language)},
    )


@login_required
def deal_create(request):
    accounts = accounts_visible_to(request.user).order_by("name")
    initial = {}
    account_id = parse_id(request.GET.get("account"))
    if account_id is not None:
        initial["account"] = account_for(request.user, account_id)
    form = styled(DealCreateForm(request.POST or None, accounts=accounts, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Deal %(name)s created.") % {"name": deal.name})
            return redirect("deals:detail", deal.pk)
    return render(request, "deals/form.html", {"form": form})


def _detail_context(request, deal, **extra):
    memo: dict = {}  # each criterion asked once for the checklist and every gate
    detail = selectors.deal_detail(deal, memo)
    playbook = detail.playbook
    language = get_language() or "zh-hans"
    gates = [
        {
            "stage": key,
            "label": playbook.stage_label(key, language),
            "failures": services.move_check(deal=deal, to_stage=key, by=request.user, memo=memo),
        }
        for key in detail.next_stages
    ]
    path = [
        {"key": s.key, "label": s.label.get(language), "index": i}
        for i, s in enumerate(playbook.stages)
    ]
    current_index = next((p["index"] for p in path if p["key"] == deal.stage), len(path))
    quotes = quotes_context(deal)
    lost_form = LostForm(
        reasons=[(r.key, r.label.get(language)) for r in playbook.lost_reasons],
        initial={"expected_version": deal.version},
    )
    return {
        "deal": deal,
        "detail": detail,
        "gates": gates,
        "path": path,
        "current_index": current_index,
        "stage_label": playbook.stage_label(deal.stage, language),
        "labels": {
            key: playbook.stage_label(key, language)
            for key in [s.key for s in playbook.stages] + ["won", "lost"]
        },
        "lost_reasons": {r.key: r.label.get(language) for r in playbook.lost_reasons},
        "can_override": may_override(request.user),
        "lost_form": styled(lost_form),
        "reopen_form": styled(ReopenForm()),
        "audit_of": deal,
        **activity_panel_context(deal, request.user),
        **quotes,
        **deal_card_context(deal, quotes["quotes"]),
        **decision_chain_context(deal, extra.pop("stakeholder_form", None)),
        **extra,
    }


@login_required
def deal_detail(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    return render(request, "deals/detail.html", _detail_context(request, deal))


@login_required
@require_POST
def stakeholder_add(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    form = styled(StakeholderForm(request.POST, contacts=selectors.contacts_of(deal)))
    if form.is_valid():
        try:
            discovery.stakeholder_add(deal=deal, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Added to the decision chain."))
            return redirect(reverse("deals:detail", args=[deal.pk]) + "#decision-chain")
    messages.error(request, _("Not saved: please correct the fields marked."))
    context = _detail_context(request, deal, stakeholder_form=form)
    return render(request, "deals/detail.html", context, status=422)


@login_required
def deal_edit(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    initial = {name: getattr(deal, name) for name in services.EDITABLE_FIELDS}
    form = styled(DealForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_update(deal=deal, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("deals:detail", deal.pk)
    return render(request, "deals/form.html", {"form": form, "deal": deal})


@login_required
@require_POST
def deal_tick(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    form = TickForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.checklist_tick(deal=deal, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            error = exc.message
    else:
        error = _("The checklist item is missing.")
    if request.htmx:
        context = _detail_context(request, deal, checklist_error=error)
        return render(
            request, "deals/_partials/stage_panel.html", context, status=422 if error else 200
        )
    if error:
        messages.error(request, error)
    return redirect("deals:detail", deal.pk)


@login_required
@require_POST
def deal_move(request, deal_id: int):
    """Moves a deal from the deal page or the board. A refusal answers 422 with the unmet
    criteria, which the board shows next to the card it put back."""
    deal = selectors.deal_for(request.user, deal_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("The target stage is missing."), status=400)
    try:
        services.deal_move(
            deal=deal,
            by=request.user,
            to_stage=form.cleaned_data["to_stage"],
            override_reason=form.cleaned_data["override_reason"],
            expected_version=form.cleaned_data["expected_version"],
        )
    except DomainError as exc:
        failures = getattr(exc, "failures", None) or []
        context = {
            "deal": deal,
            "error": exc,
            "failures": failures,
            "to_stage": form.cleaned_data["to_stage"],
            "can_override": bool(failures) and may_override(request.user),
        }
        if request.htmx or request.headers.get("X-Requested-With") == "fetch":
            status = 409 if exc.code == "stale" else 422
            return render(request, "deals/_partials/gate_refusal.html", context, status=status)
        messages.error(request, exc.message)
        return redirect("deals:detail", deal.pk)
    if request.headers.get("X-Requested-With") == "fetch":  # the board: the card, new totals
        stages = [s.key for s in selectors.playbook_of(deal).stages]
        columns = selectors.column_totals(request.user, stages)
        return render(request, "deals/_partials/moved.html", {"deal": deal, "columns": columns})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    messages.success(request, _("Moved."))
    return redirect("deals:detail", deal.pk)


@login_required
@require_POST
def deal_lost(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    playbook = selectors.playbook_of(deal)
    language = get_language() or "zh-hans"
    form = LostForm(
        request.POST, reasons=[(r.key, r.label.get(language)) for r in playbook.lost_reasons]
    )
    if form.is_valid():
        try:
            services.deal_mark_lost(deal=deal, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The deal was marked lost."))
    else:
        messages.error(request, _("Choose why the deal was lost from the list."))
    return redirect("deals:detail", deal.pk)


@login_required
@require_POST
def deal_reopen(request, deal_id: int):
    deal = selectors.deal_for(request.user, deal_id)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("reason", _("Say why the deal is reopened."))
        services.deal_reopen(deal=deal, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The deal was reopened."))
    return redirect(reverse("deals:detail", args=[deal.pk]))
