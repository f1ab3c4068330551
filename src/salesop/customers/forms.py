from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.customers.models import DecisionRole, Tier


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices, initial=Tier.STANDARD)


class AccountSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    cursor = forms.CharField(required=False, max_length=500)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    wechat = forms.CharField(label=_("WeChat ID"), max_length=64, required=False)
    decision_role = forms.ChoiceField(
        label=_("Decision role"), choices=DecisionRole.choices, initial=DecisionRole.UNKNOWN
    )
