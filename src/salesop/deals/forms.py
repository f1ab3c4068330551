from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.core.money import MAX_AMOUNT, Currency
from salesop.deals.models import DealStatus


class DealForm(forms.Form):
    name = forms.CharField(label=_("Deal name"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_value=MAX_AMOUNT, decimal_places=2
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, initial=Currency.CNY
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DealCreateForm(DealForm):
    account = forms.ModelChoiceField(label=_("Company"), queryset=None)
    field_order = ["account", "name", "amount", "currency", "expected_close_date"]

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts


class MoveForm(forms.Form):
    to_stage = forms.CharField(max_length=32)
    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_version = forms.IntegerField(required=False, min_value=1)


class LostForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why was it lost?"))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    expected_version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *reasons]


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TickForm(forms.Form):
    stage = forms.CharField(max_length=32)
    item = forms.CharField(max_length=32)
    done = forms.BooleanField(required=False)


class DealFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DealStatus.choices]
    )
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=None)
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=None)
    amount_min = forms.DecimalField(label=_("Amount from"), required=False, min_value=0)
    amount_max = forms.DecimalField(label=_("Amount to"), required=False, min_value=0)
    close_from = forms.DateField(
        label=_("Closing from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    close_to = forms.DateField(
        label=_("Closing to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, stages=(), owners=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("Any stage")), *stages]
        self.fields["owner"].queryset = owners
        self.fields["team"].queryset = teams
        if not teams.exists():
            del self.fields["team"]
