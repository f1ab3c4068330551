"""Small helpers so every page form looks alike and shows a service's refusal the same way."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect

from salesop.core.errors import DomainError


def styled(form: forms.BaseForm) -> forms.BaseForm:
    """Gives each widget Tabler's classes."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        if isinstance(
            widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
        ):
            css = "form-check-input"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Shows a service's refusal on the form: per field where it names one, else on top."""
    placed = False
    for name, message in error.fields.items():
        if name in form.fields:
            form.add_error(name, message)
            placed = True
    if not placed or any(name not in form.fields for name in error.fields):
        form.add_error(None, error.message)


def flash_refusal(request, error: DomainError) -> None:
    """Shows a service's refusal as a page message: what was refused and, per field, why."""
    messages.error(request, " ".join(dict.fromkeys([error.message, *error.fields.values()])))


def act_then_redirect(request, action, success: str, to: str):
    """Runs a service call from a page's POST: a success message, or the refusal in words;
    either way back to `to`."""
    try:
        action()
    except DomainError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, success)
    return redirect(to)
