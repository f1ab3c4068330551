from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import User
from salesop.accounts.rules import second_factor_code


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "language", "timezone"]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=366,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


class TOTPCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return code


class SecondFactorForm(forms.Form):
    """A code step that takes the app's code or, for a lost phone, a recovery code."""

    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if second_factor_code(code) is None:
            raise forms.ValidationError(
                _("Enter the 6 digits your authenticator app shows, or a recovery code.")
            )
        return code
