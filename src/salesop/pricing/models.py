from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.core.bilingual import in_language
from salesop.core.money import Currency, format_money, minor_unit
from salesop.pricing.rules import net_price

CENT = Decimal("0.01")
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _pct_field(label):
    return models.DecimalField(label, max_digits=5, decimal_places=2, validators=PERCENT)


class Product(models.Model):
    """Something sold at a list price; its price policy (own, or its family's) bounds the
    discounts and payment terms a quote may offer."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.CharField(_("family"), max_length=60, blank=True, db_index=True)
    list_price = models.DecimalField(
        _("list price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["family", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def list_price_display(self) -> str:
        return format_money(self.list_price, self.currency)


class PricePolicy(models.Model):
    """The bottom lines and the room to give for one product or for a product family; a
    product's own policy wins over its family's. Discounts are percent off the list price."""

    product = models.OneToOneField(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="own_policy",
    )
    family = models.CharField(_("family"), max_length=60, blank=True)
    floor_price = models.DecimalField(
        _("floor price (per unit)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("No net unit price below this, whoever approves. Empty: no floor."),
    )
    max_discount_rep = _pct_field(_("rep's maximum discount (%)"))
    max_discount_manager = _pct_field(_("manager's maximum discount (%)"))
    max_discount_director = _pct_field(_("director's maximum discount (%)"))
    max_payment_term_days = models.PositiveSmallIntegerField(
        _("longest payment term (days)"),
        validators=[MaxValueValidator(720)],
        help_text=_("Longer terms need finance's approval."),
    )
    hard_payment_term_days = models.PositiveSmallIntegerField(
        _("payment term cap (days)"),
        validators=[MaxValueValidator(720)],
        help_text=_("Beyond this no one may approve the term."),
    )

    class Meta:
        verbose_name = _("price policy")
        verbose_name_plural = _("price policies")
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(family=""))
                | (Q(product__isnull=True) & ~Q(family="")),
                name="pricepolicy_product_xor_family",
            ),
            models.UniqueConstraint(
                fields=["family"], condition=~Q(family=""), name="pricepolicy_unique_family"
            ),
            models.CheckConstraint(
                condition=Q(max_discount_rep__lte=models.F("max_discount_manager"))
                & Q(max_discount_manager__lte=models.F("max_discount_director")),
                name="pricepolicy_discounts_rise",
            ),
            models.CheckConstraint(
                condition=Q(max_payment_term_days__lte=models.F("hard_payment_term_days")),
                name="pricepolicy_term_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return (
            str(self.product)
            if self.product_id
            else _("family %(family)s") % {"family": self.family}
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if bool(self.product_id) == bool(self.family):
            errors["family"] = _("Give either a product or a family, not both.")
        rep, manager, director = (
            self.max_discount_rep,
            self.max_discount_manager,
            self.max_discount_director,
        )
        if None not in (rep, manager) and rep > manager:
            errors["max_discount_manager"] = _("At least the rep's maximum.")
        if None not in (manager, director) and manager > director:
            errors["max_discount_director"] = _("At least the manager's maximum.")
        if None not in (self.max_payment_term_days, self.hard_payment_term_days) and (
            self.max_payment_term_days > self.hard_payment_term_days
        ):
            errors["hard_payment_term_days"] = _("At least the longest payment term.")
        if self.floor_price is not None:
            products = (
                [self.product]
                if self.product_id
                else list(Product.objects.filter(family=self.family, active=True))
            )
            above = [p for p in products if p.list_price < self.floor_price]
            if above:
                errors["floor_price"] = _("The floor is above the list price of %(products)s.") % {
                    "products": ", ".join(p.code for p in above)
                }
        if errors:
            raise ValidationError(errors)


class Concession(models.Model):
    """A bargaining chip the policy allows (add-on service, training, long-term discount);
    some need a manager's approval before they are offered."""

    policy = models.ForeignKey(PricePolicy, on_delete=models.CASCADE, related_name="concessions")
    key = models.SlugField(_("key"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    needs_approval = models.BooleanField(_("needs a manager's approval"), default=False)

    class Meta:
        verbose_name = _("concession")
        verbose_name_plural = _("concessions")
        ordering = ["policy", "key"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "key"], name="concession_unique_key")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.label_zh, self.label_en)


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded by a newer revision")


class Quote(models.Model):
    """One revision of a price offer on a deal: lines with discounts, a payment term, the
    concessions offered, and the approvals the price policy asks for. Editing a submitted
    quote makes a new revision with the same number; the old one stays, superseded."""

    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="quotes")
    number = models.PositiveIntegerField(_("number"), default=1)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.CNY)
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"), default=30, validators=[MaxValueValidator(720)]
    )
    # What was offered besides price, copied from the policy when quoted:
    # [{"key", "label_zh", "label_en", "needs_approval"}].
    concessions = models.JSONField(_("concessions"), default=list, blank=True)
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "number", "revision"], name="quote_unique_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.deal}"

    def get_absolute_url(self) -> str:
        return reverse("deals:detail", args=[self.deal_id])

    @property
    def label(self) -> str:
        return f"Q{self.number}-R{self.revision}"

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), Decimal("0.00"))

    @property
    def discount_amount(self) -> Decimal:
        return self.subtotal - self.total

    @property
    def total(self) -> Decimal:
        return sum((line.net_amount for line in self.lines.all()), Decimal("0.00"))

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.currency)

    def concession_labels(self) -> list[str]:
        return [self.concession_label(c["key"]) for c in self.concessions]

    def concession_label(self, key: str) -> str:
        for c in self.concessions:
            if c["key"] == key:
                return in_language(c.get("label_zh"), c.get("label_en")) or key
        return key


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("item"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    list_price = models.DecimalField(
        _("list price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    discount_pct = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=PERCENT,
    )
    # The policy's floor when quoted, so the approver and later readers see what applied.
    floor_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description

    @property
    def net_price(self) -> Decimal:
        """The unit price after the discount, to the currency's smallest unit."""
        return net_price(self.list_price, self.discount_pct, self.quote.currency)

    @property
    def amount(self) -> Decimal:
        return (self.list_price * self.quantity).quantize(CENT)

    @property
    def net_amount(self) -> Decimal:
        return (self.list_price * self.quantity * (100 - self.discount_pct) / 100).quantize(
            minor_unit(self.quote.currency), ROUND_HALF_UP
        )


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval status", "Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # Still undecided when a newer revision replaced the quote: nobody needs to decide it now.
    VOID = "void", pgettext_lazy("approval status", "Void")


class ApprovalSubject(models.TextChoices):
    DISCOUNT = "discount", _("discount")
    PAYMENT_TERM = "payment_term", _("payment term")
    CONCESSION = "concession", _("concession")


class ApprovalBasis(models.TextChoices):
    POLICY = "policy", _("the product's price policy")
    PLAYBOOK = "playbook", _("the playbook's approval bands")


class Approval(models.Model):
    """One approval a quote needs (a line's discount, the payment term, or a concession beyond
    the policy), by a role. A decision is final: a newer revision voids the approval
    (`voided_at`) but leaves the decision as it was made."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="approvals")
    line = models.ForeignKey(
        QuoteLine, null=True, blank=True, on_delete=models.CASCADE, related_name="approvals"
    )
    subject = models.CharField(max_length=16, choices=ApprovalSubject.choices)
    value = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    # The limit the value went beyond (a discount % or a number of days), and where it comes from.
    limit = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    basis = models.CharField(
        max_length=10, choices=ApprovalBasis.choices, default=ApprovalBasis.PLAYBOOK
    )
    detail = models.CharField(max_length=100, blank=True)  # the concession's key
    role = models.CharField(_("approver role"), max_length=32)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    owner = models.ForeignKey(  # who asked: alerts about a slow approval go to them first
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    # When waiting becomes a lapse (playbook rule approval.pending_too_long); swept by the monitor.
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.subject} {self.value} ({self.role})"

    def get_absolute_url(self) -> str:
        return self.quote.get_absolute_url()

    def what(self) -> str:
        """What is asked, in words: the subject and the line or the concession it is about
        (read with `line` selected and pricing.selectors.concessions_named applied)."""
        subject = self.get_subject_display()
        if self.subject == ApprovalSubject.CONCESSION and self.detail:
            return f"{subject} “{getattr(self, 'detail_label', self.detail)}”"
        if self.subject == ApprovalSubject.PAYMENT_TERM and self.value is not None:
            return f"{subject} {self.value:.0f} {_('days')}"
        if self.subject == ApprovalSubject.DISCOUNT and self.value is not None:
            subject = f"{subject} {self.value.normalize():f}%"
        if self.line_id:
            return f"{subject} ({self.line.description})"
        return str(subject)
