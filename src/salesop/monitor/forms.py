from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import Team
from salesop.monitor.handoffs import HANDOFF_KINDS
from salesop.monitor.models import AlertStatus, WebhookKind
from salesop.playbook.registry import ALERT_KINDS

# What the alert filter, the preferences and the webhook pages call each alert kind.
ALERT_KIND_LABELS = {
    "lead.not_followed_up": _("A lead went without follow-up"),
    "lead.first_contact_overdue": _("A new lead was not contacted in time"),
    "deal.stage_overdue": _("A deal stayed in its stage too long"),
    "deal.signing_overdue": _("A deal's expected close date passed"),
    "approval.pending_too_long": _("An approval waited too long"),
    "contract.signing_overdue": _("A contract's signing date passed"),
    "ticket.first_response_overdue": _("A ticket had no first response in time"),
    "ticket.solution_direction_overdue": _("A ticket had no solution direction in time"),
    "project.update_missing": _("A project sent no weekly update"),
}


def kind_choices():
    return [(kind, ALERT_KIND_LABELS.get(kind, kind)) for kind in sorted(ALERT_KINDS)]


def alert_and_handoff_choices():
    """Alert kinds and hand-off kinds, grouped: what a person mutes, what a channel takes."""
    handoffs = [(k.key, k.label) for k in sorted(HANDOFF_KINDS.values(), key=lambda k: k.key)]
    return [(_("Alerts"), kind_choices()), (_("Hand-offs"), handoffs)]


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
    email_enabled = forms.BooleanField(
        label=_("Also send alerts and hand-offs by email"), required=False
    )
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
        self.fields["muted_kinds"].choices = alert_and_handoff_choices()

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
        label=_("Only these kinds (none: every alert; hand-offs only when named)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    team = forms.ModelChoiceField(
        label=_("Only for team"), required=False, queryset=Team.objects.all()
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alert_kinds"].choices = alert_and_handoff_choices()
