from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.core.bilingual import in_language


class PlaybookVersion(models.Model):
    """One immutable text of the playbook. Exactly one version is active at a time."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=300)
    text = models.TextField(_("text"))
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("playbook version")
        verbose_name_plural = _("playbook versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="playbook_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}"


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Several choices")
    USER = "user", _("Person")
    BOOLEAN = "boolean", _("Yes / no")


class FieldModel(models.TextChoices):
    """The records sales ops may add fields to (their model labels)."""

    ACCOUNT = "customers.account", _("Companies")
    CONTACT = "customers.contact", _("Contacts")
    LEAD = "leads.lead", _("Leads")
    DEAL = "deals.deal", _("Deals")
    TICKET = "aftersales.ticket", _("Tickets")
    PROJECT = "aftersales.deliveryproject", _("Delivery projects")


class FieldDefinition(models.Model):
    """A field sales ops adds to a kind of record (注册资本 on companies, 采购方式 on deals). Its
    values live in that record's `custom` JSON column under `key` (playbook.customfields checks
    them on every write). A deleted definition keeps its key and the records' values until it
    is purged on purpose."""

    model = models.CharField(_("records"), max_length=40, choices=FieldModel.choices)
    key = models.CharField(pgettext_lazy("custom field", "key"), max_length=40)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=FieldKind.choices)
    # [{"key": "tender", "zh": "招标", "en": "Tender"}, ...] for choice and multi_choice
    choices = models.JSONField(_("choices"), default=list, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["model", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="fielddefinition_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.model}.{self.key}"

    @property
    def label(self) -> str:
        return in_language(self.label_zh, self.label_en)

    def choice_label(self, key: str) -> str:
        """A choice's label in the reader's language; a key no longer offered shows as itself."""
        for choice in self.choices:
            if choice["key"] == key:
                return in_language(choice["zh"], choice["en"])
        return key
