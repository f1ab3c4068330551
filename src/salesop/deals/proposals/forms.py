"""Page forms for proposals and objections: they parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.activities.models import Outcome
from salesop.core.money import Currency
from salesop.deals.models import ObjectionCategory, ProposalAudience

BENEFIT_LINES = 5


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=ProposalAudience.choices)


class ValueRowForm(forms.Form):
    need = forms.TypedChoiceField(
        label=_("Need it answers"), required=False, coerce=int, empty_value=None
    )
    pain = forms.CharField(label=_("Pain"), max_length=300)
    solution = forms.CharField(
        label=_("Solution"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    value = forms.CharField(
        label=pgettext_lazy("proposal", "Value"),
        max_length=300,
        help_text=_("What the customer gains, e.g. “saves ¥360,000 a year”."),
    )
    amount = forms.DecimalField(
        label=_("Quantified amount"), required=False, max_digits=14, decimal_places=2
    )
    unit = forms.CharField(
        label=_("Currency or unit"),
        max_length=20,
        required=False,
        help_text=_("Blank: the proposal's currency. Or a unit: 天, %, hours."),
    )

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", pgettext_lazy("need", "(none)"))] + [
            (need.pk, f"{need.get_kind_display()}: {need.summary}") for need in needs
        ]


class RoiForm(forms.Form):
    investment = forms.DecimalField(label=_("Investment"), max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    horizon_years = forms.IntegerField(label=_("Horizon (years)"), initial=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(BENEFIT_LINES):
            self.fields[f"benefit_label_{i}"] = forms.CharField(
                label=_("Yearly benefit %(n)d") % {"n": i + 1}, max_length=100, required=False
            )
            self.fields[f"benefit_amount_{i}"] = forms.DecimalField(
                label=_("Amount per year"), required=False, max_digits=14, decimal_places=2
            )

    def filled_slots(self) -> list[int]:
        """The benefit lines the user filled in, by their place on the form."""
        data = self.cleaned_data
        return [
            i
            for i in range(BENEFIT_LINES)
            if data.get(f"benefit_label_{i}") or data.get(f"benefit_amount_{i}") is not None
        ]

    def benefits(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"label": data[f"benefit_label_{i}"], "amount": data[f"benefit_amount_{i}"]}
            for i in self.filled_slots()
        ]

    def benefit_rows(self):
        return [
            (self[f"benefit_label_{i}"], self[f"benefit_amount_{i}"]) for i in range(BENEFIT_LINES)
        ]


class PresentForm(forms.Form):
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ObjectionForm(forms.Form):
    entry = forms.TypedChoiceField(
        label=_("Library answer"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", pgettext_lazy("objection", "(from the library answer)"))]
        + list(ObjectionCategory.choices),
        required=False,
    )
    customer_words = forms.CharField(
        label=_("What the customer said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answer_used = forms.CharField(
        label=_("Answer used"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    resolved = forms.BooleanField(label=_("Resolved"), required=False)

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", pgettext_lazy("objection", "(none)"))] + [
            (entry.pk, f"{entry.get_category_display()}: {entry.objection}") for entry in entries
        ]


class ResolveForm(forms.Form):
    answer_used = forms.CharField(label=_("Answer used"), max_length=2000, required=False)


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label=_("Word template (.docx)"))
