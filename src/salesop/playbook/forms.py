from django import forms
from django.utils.translation import gettext_lazy as _

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
        label=_("Key"),
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


def value_field(field: FieldDefinition) -> forms.Field:
    """The form field for a custom field; every value is checked again by customfields.parse."""
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
        people = User.objects.filter(is_active=True).order_by("full_name", "username")
        options = [(str(p.pk), str(p)) for p in people.only("pk", "full_name", "username")]
        return forms.ChoiceField(label=label, required=False, choices=[("", "—"), *options])
    if kind == FieldKind.BOOLEAN:
        return forms.ChoiceField(label=label, required=False, choices=YES_NO)
    hint = field.currency if kind == FieldKind.MONEY else ""
    return forms.CharField(label=label, required=False, help_text=hint)


class CustomValuesForm(forms.Form):
    def __init__(self, fields: list[FieldDefinition], *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in fields:
            self.fields[field.key] = value_field(field)


def add_custom_filters(form: forms.Form, label: str) -> None:
    """A list's filter form gets one input per custom field of its records, named as the
    query parameter customfields.filter_by reads (`custom.<key>`); a multi-choice field
    filters by one of its choices."""
    for field in customfields.definitions(label):
        if field.kind == FieldKind.MULTI_CHOICE:
            options = [(c["key"], field.choice_label(c["key"])) for c in field.choices]
            input_ = forms.ChoiceField(
                label=field.label, required=False, choices=[("", "—"), *options]
            )
        else:
            input_ = value_field(field)
        input_.help_text = ""
        form.fields[customfields.FILTER_PREFIX + field.key] = input_
