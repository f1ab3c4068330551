from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesop.accounts.visibility import OwnedModel


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    STANDARD = "standard", _("Standard")


class EmployeeBand(models.TextChoices):
    MICRO = "1-49", _("1-49")
    SMALL = "50-199", _("50-199")
    MEDIUM = "200-999", _("200-999")
    LARGE = "1000-4999", _("1,000-4,999")
    ENTERPRISE = "5000+", _("5,000 or more")


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    EXPANSION = "expansion", _("Expanding customer")
    CHURNED = "churned", _("Churned")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    UNKNOWN = "unknown", _("Unknown")


class Account(OwnedModel):
    """A customer company (客户)."""

    name = models.CharField(_("company name"), max_length=200)
    # Matching key for duplicates (see customers.rules.normalize_company), kept by the services.
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False, default="")
    employee_band = models.CharField(
        _("employees"), max_length=16, choices=EmployeeBand.choices, blank=True
    )
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="account_owner_recent"),
            models.Index(fields=["team", "-created_at", "-id"], name="account_team_recent"),
            models.Index(fields=["-created_at", "-id"], name="account_recent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class Contact(models.Model):
    """A person at a customer company. Seen by whoever may see the company."""

    account = models.ForeignKey(
        Account, verbose_name=_("company"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    wechat = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    decision_role = models.CharField(
        _("decision role"),
        max_length=16,
        choices=DecisionRole.choices,
        default=DecisionRole.UNKNOWN,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name
