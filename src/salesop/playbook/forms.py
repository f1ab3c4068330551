from django import forms
from django.utils.translation import gettext_lazy as _


class VersionForm(forms.Form):
    text = forms.CharField(
        label=_("Playbook (YAML)"),
        max_length=256 * 1024,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "font-monospace"}),
    )
    comment = forms.CharField(label=_("What changed and why"), max_length=300, required=False)
