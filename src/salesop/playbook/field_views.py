"""Sales ops' pages for custom fields: the list, a new field, an edit, delete, restore, purge."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.core.errors import DomainError
from salesop.core.forms import act_then_redirect, add_domain_error, styled
from salesop.core.params import parse_id
from salesop.playbook import customfields
from salesop.playbook.customfields import Spec
from salesop.playbook.forms import FieldDefinitionForm, choices_text
from salesop.playbook.models import FieldDefinition, FieldModel


def _require_ops(request) -> None:
    if not request.user.can_administer:
        raise PermissionDenied


def _spec(data: dict) -> Spec:
    return Spec(
        label_zh=data["label_zh"],
        label_en=data["label_en"],
        kind=data["kind"],
        choices=data["choices"],
        currency=data.get("currency") or "",
        required=data["required"],
    )


@login_required
def field_list(request):
    """Every kind of record with its fields (deleted ones greyed, to restore or purge) and the
    form for a new one."""
    _require_ops(request)
    form = styled(
        FieldDefinitionForm(request.POST or None, initial={"model": request.GET.get("model")})
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            field = customfields.define(
                by=request.user, model=data["model"], key=data["key"], spec=_spec(data)
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The field “%(label)s” is added.") % {"label": field.label})
            return redirect("playbook:fields")
    by_model = {label: [] for label in FieldModel.values}
    for field in FieldDefinition.objects.order_by("position", "id"):
        by_model[field.model].append(field)
    groups = [(label, FieldModel(label).label, by_model[label]) for label in FieldModel.values]
    return render(request, "playbook/fields.html", {"form": form, "groups": groups})


@login_required
def field_edit(request, field_id: int):
    _require_ops(request)
    field = get_object_or_404(FieldDefinition, pk=field_id)
    initial = {
        **{name: getattr(field, name) for name in ("model", "key", "label_zh", "label_en")},
        "kind": field.kind,
        "choices": choices_text(field.choices),
        "currency": field.currency,
        "required": field.required,
    }
    form = styled(FieldDefinitionForm(request.POST or None, initial=initial, editing=True))
    if request.method == "POST" and form.is_valid():
        try:
            customfields.redefine(
                field=field,
                by=request.user,
                spec=_spec(form.cleaned_data),
                expected_version=parse_id(request.POST.get("version")),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The field “%(label)s” is saved.") % {"label": field.label})
            return redirect("playbook:fields")
    return render(request, "playbook/field_edit.html", {"form": form, "field": field})


def _act(request, field_id: int, action, success: str):
    _require_ops(request)
    field = get_object_or_404(FieldDefinition, pk=field_id)
    return act_then_redirect(
        request,
        lambda: action(field=field, by=request.user),
        success % {"label": field.label},
        "playbook:fields",
    )


@login_required
@require_POST
def field_delete(request, field_id: int):
    return _act(
        request,
        field_id,
        customfields.delete,
        _("“%(label)s” is deleted: hidden everywhere, its values kept until you purge it."),
    )


@login_required
@require_POST
def field_restore(request, field_id: int):
    return _act(request, field_id, customfields.restore, _("“%(label)s” is back."))


@login_required
@require_POST
def field_purge(request, field_id: int):
    return _act(
        request,
        field_id,
        customfields.purge,
        _("“%(label)s” and every value stored under it are removed for good."),
    )
