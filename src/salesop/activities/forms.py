from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.activities.models import ActivityKind, Outcome
from salesop.customers.models import Contact


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=1440, initial=0
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("With"),
        required=False,
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A meeting or call with a deal's decision maker counts as engaging them."),
    )

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contacts is None:  # a lead not yet a company: nobody to choose
            del self.fields["contacts"]
        else:
            self.fields["contacts"].queryset = contacts


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
