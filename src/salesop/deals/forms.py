from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.core.money import MAX_AMOUNT, Currency
from salesop.deals.models import (
    Attitude,
    DealStatus,
    NeedKind,
    QuestionLayer,
    StakeholderRole,
)


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
    competitor = forms.CharField(label=_("Lost to (competitor)"), required=False, max_length=100)
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


# --- Discovery workspace and decision chain ----------------------------------------------------


class PrepForm(forms.Form):
    industry_news = forms.CharField(
        label=_("Industry news"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    competitor_moves = forms.CharField(
        label=_("Competitor moves"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CallPlanForm(forms.Form):
    questions = forms.ModelMultipleChoiceField(
        label=_("Questions"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, bank=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].queryset = bank


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    layer = forms.ChoiceField(label=_("Layer"), choices=QuestionLayer.choices)
    industry = forms.CharField(
        label=_("Industry"), required=False, max_length=100, help_text=_("Blank: any industry.")
    )


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=NeedKind.choices)
    summary = forms.CharField(label=_("Need"), max_length=300, required=False)
    customer_words = forms.CharField(
        label=_("In the customer's words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    budget_min = forms.DecimalField(
        label=_("Budget from"), required=False, max_value=MAX_AMOUNT, decimal_places=2
    )
    budget_max = forms.DecimalField(
        label=_("Budget to"), required=False, max_value=MAX_AMOUNT, decimal_places=2
    )


class KeywordForm(forms.Form):
    term = forms.CharField(label=_("Keyword"), max_length=40)
    is_pain = forms.BooleanField(label=_("Pain point"), required=False)


class RecapForm(forms.Form):
    recap_text = forms.CharField(
        label=_("Recap"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


class RecapConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("How the customer confirmed"),
        required=False,
        max_length=300,
        help_text=_("For example: replied to the email, agreed in the meeting."),
    )


class RecapSendForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Send to"), queryset=None)

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts


class TranscriptForm(forms.Form):
    file = forms.FileField(
        label=_("Transcript"),
        help_text=_("Plain text (“Name: words” per line) or WebVTT with speaker labels."),
    )
    rep_speaker = forms.CharField(
        label=_("Your name in the transcript"),
        max_length=60,
        help_text=_("The speaker label that is you."),
    )


class StakeholderForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)
    new_contact_name = forms.CharField(
        label=_("or a new contact: name"), required=False, max_length=100
    )
    new_contact_title = forms.CharField(label=_("Job title"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), choices=StakeholderRole.choices)
    attitude = forms.ChoiceField(label=_("Attitude"), choices=Attitude.choices)
    last_engaged_at = forms.DateTimeField(
        label=_("Last engaged"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts
