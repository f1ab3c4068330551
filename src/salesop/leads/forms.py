from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.core.imports import KINDS as IMPORT_KINDS
from salesop.core.money import Currency
from salesop.customers.models import EmployeeBand
from salesop.leads.models import ChannelCategory, ChannelKind, Grade
from salesop.leads.rules import may_import


class LeadForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=None)
    company_name = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Contact"), max_length=100, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    wechat = forms.CharField(label=_("WeChat ID"), max_length=64, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    employee_band = forms.ChoiceField(
        label=_("Employees"), required=False, choices=[("", "—"), *EmployeeBand.choices]
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.DecimalField(
        label=_("Budget"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    budget_currency = forms.ChoiceField(
        label=_("Budget currency"), choices=Currency.choices, initial=Currency.CNY, required=False
    )

    def __init__(self, *args, channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels

    def clean_budget_currency(self) -> str:
        return self.cleaned_data["budget_currency"] or Currency.CNY


class LeadEditForm(LeadForm):
    """The lead's own fields, edited on the version the editor read (the channel it came from
    stays what it was)."""

    expected_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"]


class LeadFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    grade = forms.ChoiceField(
        label=_("Grade"), required=False, choices=[("", _("Any grade")), *Grade.choices]
    )
    channel = forms.ModelChoiceField(label=_("Channel"), required=False, queryset=None)
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=None)
    fit_min = forms.FloatField(label=_("ICP fit at least"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("newest", _("Newest first")),
            ("score", _("Highest score first")),
            ("fit", _("Best ICP fit first")),
        ],
    )
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, statuses=(), channels=None, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        self.fields["channel"].queryset = channels
        self.fields["owner"].queryset = owners


class BantForm(forms.Form):
    """One choice per factor of the playbook's BANT model, built from the playbook."""

    pain_tags = forms.CharField(
        label=_("Pain points (comma-separated)"), required=False, max_length=500
    )

    def __init__(self, *args, model=None, language="zh-hans", **kwargs):
        super().__init__(*args, **kwargs)
        for factor in model.factors:
            self.fields[f"bant_{factor.key}"] = forms.ChoiceField(
                label=f"{factor.label.get(language)} ({factor.weight}%)",
                required=False,
                choices=[("", "—")]
                + [(lv.key, f"{lv.label.get(language)} · {lv.points}") for lv in factor.levels],
            )
        self.order_fields([*[k for k in self.fields if k.startswith("bant_")], "pain_tags"])

    def answers(self) -> dict:
        return {k[5:]: v for k, v in self.cleaned_data.items() if k.startswith("bant_") and v}

    def tags(self) -> list[str]:
        raw = self.cleaned_data.get("pain_tags", "").replace("，", ",")
        return [t.strip() for t in raw.split(",") if t.strip()]


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is it invalid?"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *reasons]


class ConvertForm(forms.Form):
    deal_name = forms.CharField(label=_("Deal name"), max_length=200)
    amount = forms.DecimalField(label=_("Amount"), required=False, min_value=0, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), required=False)
    file = forms.FileField(label=_("Spreadsheet (CSV or XLSX)"))
    channel = forms.ModelChoiceField(
        label=_("Channel the leads came from"), queryset=None, required=False
    )

    def __init__(self, *args, channels=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels
        kind = self.fields["kind"]
        # leads first: what a form without a choice imports
        kinds = sorted(IMPORT_KINDS, key=lambda k: k != "leads")
        kind.choices = [(k, IMPORT_KINDS[k].label) for k in kinds if may_import(user, k)]


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=ChannelCategory.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)


class SpendForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    amount = forms.DecimalField(label=_("Spend"), min_value=0, decimal_places=2, max_digits=14)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
