from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.accounts.models import User
from salesop.core.money import Currency
from salesop.playbook import customfields
from salesop.playbook.models import FieldDefinition, FieldKind, FieldModel


class VersionForm(forms.Form):
    text = forms.CharField(
        label=_("Playbook (YAML)"),
        max_length=256 * 1024,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "font-monospace"}),
    )
    comment = forms.CharField(label=_("What changed and why"), max_length=300, required=False)


class FieldDefinitionForm(forms.Form):
    """A custom field as sales ops writes it; the choices one per line, `key | 中文 | English`."""

    model = forms.ChoiceField(label=_("Records"), choices=FieldModel.choices)
    key = forms.CharField(
        label=pgettext_lazy("custom field", "Key"),
        max_length=40,
        help_text=_("Lower-case letters, digits and _; used by the API, imports and the playbook."),
    )
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=100)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100)
    kind = forms.ChoiceField(label=_("Type"), choices=FieldKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_("For a choice: one per line, key | 中文 | English."),
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("", "—"), *Currency.choices], required=False
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # what the values are stored under stays
            self.fields["model"].disabled = self.fields["key"].disabled = True

    def clean_choices(self) -> list[dict]:
        parsed = []
        for n, line in enumerate(self.cleaned_data["choices"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                raise forms.ValidationError(_("Line %(n)d: write key | 中文 | English.") % {"n": n})
            parsed.append(dict(zip(("key", "zh", "en"), parts, strict=True)))
        return parsed


def choices_text(choices: list[dict]) -> str:
    return "\n".join(f"{c['key']} | {c['zh']} | {c['en']}" for c in choices)


YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def value_field(field: FieldDefinition, current=None) -> forms.Field:
    """The form field for a custom field; every value is checked again by customfields.parse.
    `current`, the record's value: a person who has left stays offered, so saving another
    field does not clear it."""
    label, kind = field.label, field.kind
    if kind == FieldKind.LONG_TEXT:
        return forms.CharField(label=label, required=False, widget=forms.Textarea({"rows": 3}))
    if kind == FieldKind.DATE:
        return forms.CharField(
            label=label, required=False, widget=forms.DateInput({"type": "date"})
        )
    if kind in (FieldKind.CHOICE, FieldKind.MULTI_CHOICE):
        options = [(c["key"], field.choice_label(c["key"])) for c in field.choices]
        if kind == FieldKind.CHOICE:
            return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *options])
        return forms.MultipleChoiceField(
            label=label, required=False, choices=options, widget=forms.CheckboxSelectMultiple
        )
    if kind == FieldKind.USER:
        held = int(current) if str(current or "").isdigit() else None
        people = User.objects.filter(Q(is_active=True) | Q(pk=held))
        options = [
            (str(p.pk), str(p) if p.is_active else _("%(name)s (left)") % {"name": p})
            for p in people.order_by("full_name", "username").only(
                "pk", "full_name", "username", "is_active"
            )
        ]
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *options])
    if kind == FieldKind.BOOLEAN:
        return forms.ChoiceField(label=label, required=False, choices=YES_NO)
    hint = field.currency if kind == FieldKind.MONEY else ""
    return forms.CharField(label=label, required=False, help_text=hint)


class CustomValuesForm(forms.Form):
    def __init__(self, fields: list[FieldDefinition], *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in fields:
            self.fields[field.key] = value_field(field, self.initial.get(field.key))


def add_custom_filters(form: forms.Form, label: str) -> None:
    """A list's filter form gets one input per custom field of its records, named as the
    query parameter customfields.filter_by reads (`custom.<key>`); a multi-choice field
    filters by one of its choices. The inputs take any text: filter_by checks it by the
    field's type and refuses it naming the field, where a form would drop it unsaid."""
    for field in customfields.definitions(label):
        shown = value_field(field)
        options = getattr(shown, "choices", None)
        if field.kind == FieldKind.MULTI_CHOICE:
            options = [("", "—"), *options]
        widget = forms.Select(choices=options) if options else shown.widget
        form.fields[customfields.FILTER_PREFIX + field.key] = forms.CharField(
            label=field.label, required=False, max_length=500, widget=widget
        )
