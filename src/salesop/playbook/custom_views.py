"""A record's custom fields on its page: shown in a card, edited in place (htmx) on the version
the page was read at. One view for every kind of record; each kind's own selector decides who
sees it (404 otherwise)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from salesop.core.errors import DomainError
from salesop.core.forms import styled
from salesop.core.params import parse_id
from salesop.playbook import customfields
from salesop.playbook.forms import CustomValuesForm
from salesop.playbook.models import FieldDefinition
from salesop.playbook.selectors import record_for


def _initial(fields: list[FieldDefinition], record) -> dict:
    stored = record.custom or {}
    initial = {}
    for field in fields:
        value = stored.get(field.key)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int):  # a person's id, as the form sends it back
            value = str(value)
        initial[field.key] = value
    return initial


@login_required
def custom_edit(request, label: str, pk: int):
    """GET: the record's custom fields as a form (in the card, or a page of its own without
    htmx). POST: writes them on the version read; refused values come back marked."""
    record = record_for(request.user, label, pk)
    fields = customfields.definitions(label)
    if not fields:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = styled(CustomValuesForm(fields, data, initial=_initial(fields, record)))
    stale = False
    if data is not None and form.is_valid():
        changed = {key: form.cleaned_data[key] for key in form.changed_data}
        try:
            customfields.write(
                record,
                changed,
                by=request.user,
                expected_version=parse_id(request.POST.get("version")),
            )
        except DomainError as error:
            stale = error.code == "stale"
            for path, message in error.fields.items():
                key = path.removeprefix("custom.")
                form.add_error(key if key in form.fields else None, message)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            if request.htmx:
                return render(request, "playbook/_custom_card.html", _card(record, fields))
            return redirect(record.get_absolute_url())
    # After a refusal for staleness the form keeps the version it was read at, so saving it
    # again is refused again until the person reloads and sees the other change.
    read = parse_id(request.POST.get("version")) if stale else None
    context = {
        "record": record,
        "label": label,
        "form": form,
        "stale": stale,
        "version": read or record.version,
    }
    template = "playbook/_custom_form.html" if request.htmx else "playbook/custom_edit.html"
    status = 409 if stale and not request.htmx else 200
    return render(request, template, context, status=status)


def _card(record, fields: list[FieldDefinition]) -> dict:
    return {
        "record": record,
        "label": record._meta.label_lower,
        "rows": customfields.values_of(record, fields),
    }


def card_context(record) -> dict | None:
    """What the card on a record's page shows; None when its kind has no fields."""
    fields = customfields.definitions(record._meta.label_lower)
    return _card(record, fields) if fields else None
