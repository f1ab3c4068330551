"""Page forms for quotes: they parse what was typed; the services decide."""

import json

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from salesop.core.forms import styled
from salesop.core.money import Currency, format_money
from salesop.pricing.models import Concession, Product


def choices() -> dict:
    """The catalogue and the concessions, read once per page however many forms show them."""
    products = [
        (p.pk, f"{p.code} {p.name} · {format_money(p.list_price, p.currency)}")
        for p in Product.objects.filter(active=True)
    ]
    concessions: dict[str, str] = {}
    for concession in Concession.objects.order_by("key", "id"):
        concessions.setdefault(concession.key, concession.label)
    return {"products": products, "concessions": list(concessions.items())}


class LineForm(forms.Form):
    """One quote line: a product (its list price applies) or a free line with a typed price.
    The service checks the product; the form only offers the catalogue."""

    product = forms.TypedChoiceField(
        label=_("Product"), coerce=int, empty_value=None, required=False
    )
    description = forms.CharField(
        label=_("Item"),
        max_length=200,
        required=False,
        help_text=_("Empty for a product: its name is used."),
    )
    list_price = forms.DecimalField(
        label=_("List price"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Empty for a product: its list price applies."),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    discount_pct = forms.DecimalField(
        label=_("Discount (%)"), min_value=0, max_value=100, decimal_places=2, initial=0
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("— free line —")), *choices["products"]]
        # Picking a product fills in its list price (htmx swaps the price input).
        price = self.add_prefix("list_price")
        self.fields["product"].widget.attrs.update(
            {
                "hx-get": reverse("pricing:product_price"),
                "hx-trigger": "change",
                "hx-target": f"#{self.auto_id % price}",
                "hx-swap": "outerHTML",
                "hx-vals": json.dumps({"field": price}),
            }
        )
        if "concessions" in self.fields:
            self.fields["concessions"].choices = choices["concessions"]

    def line(self) -> dict:
        data = self.cleaned_data
        return {
            "product_id": data.get("product"),
            "description": data.get("description") or "",
            "list_price": data.get("list_price"),
            "quantity": data["quantity"],
            "discount_pct": data["discount_pct"],
        }


class QuoteTermsForm(forms.Form):
    payment_term_days = forms.IntegerField(
        label=_("Payment term (days)"), min_value=0, max_value=720, initial=30
    )
    concessions = forms.MultipleChoiceField(
        label=_("Concessions"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Room to give that the products' price policies allow."),
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concessions"].choices = choices["concessions"]


class QuoteForm(LineForm):
    """A new quote: its first line, its terms and currency. More lines come in MoreLines."""

    payment_term_days = QuoteTermsForm.base_fields["payment_term_days"]
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    concessions = QuoteTermsForm.base_fields["concessions"]
    field_order = [
        "product",
        "description",
        "list_price",
        "quantity",
        "discount_pct",
        "payment_term_days",
        "currency",
        "concessions",
    ]


class OptionalLineForm(LineForm):
    """A further line: left empty, it is skipped."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1, required=False)
    discount_pct = forms.DecimalField(
        label=_("Discount (%)"),
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=0,
        required=False,
    )

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("product") or data.get("description") or data.get("list_price"))

    def line(self) -> dict:
        line = super().line()
        line["quantity"] = line["quantity"] or 1
        line["discount_pct"] = line["discount_pct"] or 0
        return line


LineFormSet = forms.formset_factory(LineForm, extra=0, min_num=1, validate_min=True, max_num=50)
MoreLines = forms.formset_factory(OptionalLineForm, extra=2, max_num=20)


def styled_formset(formset):
    for form in formset.forms:
        styled(form)
    return formset
