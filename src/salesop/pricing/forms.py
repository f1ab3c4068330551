from django import forms
from django.utils.translation import gettext_lazy as _

from salesop.core.money import Currency


class QuoteForm(forms.Form):
    description = forms.CharField(label=_("Item"), max_length=200)
    list_price = forms.DecimalField(
        label=_("List price"), min_value=0, max_digits=14, decimal_places=2
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    discount_pct = forms.DecimalField(
        label=_("Discount (%)"), min_value=0, max_value=100, decimal_places=2, initial=0
    )
    payment_term_days = forms.IntegerField(
        label=_("Payment term (days)"), min_value=0, max_value=720, initial=30
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
