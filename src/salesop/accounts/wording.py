"""Django's own messages our pages show (the password forms and validators), listed so the
project catalogue carries them: its zh-Hans wording addresses the user as 您, as every other
page does (Django's own catalogue says 你). Never called: makemessages reads them from here."""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_WORDING = (
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
)
