from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesop.accounts.visibility import OwnedModel


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    STANDARD = "standard", _("Standard")


class Account(OwnedModel):
    """A customer company (客户)."""

    name = models.CharField(_("company name"), max_length=200)
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
