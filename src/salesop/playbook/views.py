import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.accounts.models import Role
from salesop.aftersales.business_calendar import unknown_holiday_year
from salesop.core.errors import DomainError
from salesop.core.forms import styled
from salesop.core.params import parse_id
from salesop.core.time import company_today
from salesop.playbook import selectors, services
from salesop.playbook.forms import VersionForm
from salesop.playbook.registry import known_criteria


def _require_ops(request) -> None:
    if not request.user.can_administer:
        raise PermissionDenied


@login_required
def index(request):
    """The running SOP, readable by everyone; versions and editing for sales ops."""
    version = selectors.active_version()
    playbook = selectors.parsed(version)
    return render(
        request,
        "playbook/index.html",
        {
            "version": version,
            "playbook": playbook,
            "holiday_year": unknown_holiday_year(playbook, company_today())
            if request.user.can_administer
            else None,
            "criteria": {name: c.description for name, c in known_criteria().items()},
            "roles": dict(Role.choices),
            "versions": selectors.versions()[:50] if request.user.can_administer else [],
        },
    )


@login_required
def version_detail(request, version_id: int):
    _require_ops(request)
    version = get_object_or_404(selectors.versions(), pk=version_id)
    return render(
        request,
        "playbook/version.html",
        {
            "version": version,
            "lines": version.text.splitlines(),
            "active": selectors.active_version(),
        },
    )


@login_required
def version_new(request):
    _require_ops(request)
    source = selectors.active_version()
    source_id = parse_id(request.GET.get("from"))
    if source_id is not None:
        source = get_object_or_404(selectors.versions(), pk=source_id)
    form = styled(VersionForm(request.POST or None, initial={"text": source.text}))
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            version = services.playbook_version_create(by=request.user, **form.cleaned_data)
        except services.PlaybookRefused as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Saved as version %(n)d. Activate it to run it.") % {"n": version.number}
            )
            return redirect("playbook:version", version.pk)
    return render(request, "playbook/edit.html", {"form": form, "errors": errors, "source": source})


@login_required
@require_POST
def version_activate(request, version_id: int):
    _require_ops(request)
    version = get_object_or_404(selectors.versions(), pk=version_id)
    try:
        services.playbook_activate(version=version, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("playbook:version", version.pk)
    messages.success(
        request, _("Version %(n)d is now the running playbook.") % {"n": version.number}
    )
    return redirect("playbook:index")


@login_required
def version_diff(request):
    _require_ops(request)
    versions = selectors.versions()
    a_id, b_id = parse_id(request.GET.get("a")), parse_id(request.GET.get("b"))
    if a_id is None or b_id is None:
        messages.error(request, _("Choose two versions to compare."))
        return redirect("playbook:index")
    a = get_object_or_404(versions, pk=a_id)
    b = get_object_or_404(versions, pk=b_id)
    lines = []
    for line in difflib.unified_diff(
        a.text.splitlines(), b.text.splitlines(), f"v{a.number}", f"v{b.number}", lineterm="", n=3
    ):
        kind = "hunk" if line.startswith("@@") else {"+": "add", "-": "del"}.get(line[:1], "")
        if line.startswith(("+++", "---")):
            kind = "head"
        lines.append((kind, line))
    return render(request, "playbook/diff.html", {"a": a, "b": b, "lines": lines})
