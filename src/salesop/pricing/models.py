from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesop.core.money import Currency


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Quote(models.Model):
    """A price offer on a deal: lines with discounts, a payment term, and the approvals the
    playbook asks for when they go beyond its thresholds."""

    deal = models.ForeignKey("deals.Deal", on_delete=models.CASCADE, related_name="quotes")
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.CNY)
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"), default=30, validators=[MaxValueValidator(720)]
    )
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Q{self.pk} {self.deal}"

    def get_absolute_url(self) -> str:
        return reverse("deals:detail", args=[self.deal_id])


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
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
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    def __str__(self) -> str:
        return self.description


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Approval(models.Model):
    """One approval a quote needs (a discount or a payment term beyond a threshold), by a role."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="approvals")
    subject = models.CharField(max_length=16)  # discount | payment_term
    value = models.DecimalField(max_digits=8, decimal_places=2)
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
