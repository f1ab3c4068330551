from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import Team
from salesop.monitor.models import AlertStatus, WebhookKind
from salesop.playbook.registry import ALERT_KINDS


def kind_choices():
    return [(kind, kind) for kind in sorted(ALERT_KINDS)]


class AlertFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Whose"), required=False, choices=[("mine", _("Mine")), ("team", _("My team"))]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AlertStatus.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(
        label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any kind")), *kind_choices()]


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("Also send alerts by email"), required=False)
    muted_kinds = forms.MultipleChoiceField(
        label=_("Do not tell me about"), required=False, widget=forms.CheckboxSelectMultiple
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["muted_kinds"].choices = kind_choices()

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        return data


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WebhookKind.choices)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    secret = forms.CharField(label=_("Signing secret"), max_length=200, required=False)
    alert_kinds = forms.MultipleChoiceField(
        label=_("Only these alert kinds (none: all)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    team = forms.ModelChoiceField(
        label=_("Only for team"), required=False, queryset=Team.objects.all()
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert_kinds"].choices = kind_choices()
