from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.accounts.visibility import OwnedModel
from salesop.core.money import Currency, format_money


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(OwnedModel):
    """A sales opportunity (商机) moving through the playbook's stages."""

    name = models.CharField(_("deal name"), max_length=200)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=32)
    status = models.CharField(
        _("status"), max_length=8, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=0)
    playbook_version = models.ForeignKey(
        "playbook.PlaybookVersion",
        verbose_name=_("playbook version"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    lost_reason = models.CharField(_("lost reason"), max_length=32, blank=True)
    lost_note = models.TextField(_("lost note"), blank=True, max_length=2000)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Deadlines the monitor's sweeps select on (NULL: nothing due). Set by the services that
    # change their inputs; a sweep claims a due row by clearing its column.
    stage_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Optimistic lock: every state change is an UPDATE ... WHERE version = n.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["status", "stage", "team"], name="deal_board"),
            models.Index(fields=["owner", "status"], name="deal_owner_status"),
            models.Index(fields=["-created_at", "-id"], name="deal_recent"),
            models.Index(fields=["status", "expected_close_date"], name="deal_close_date"),
            models.Index(fields=["stage_due_at"], name="deal_stage_due"),
            models.Index(fields=["close_due_at"], name="deal_close_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) | models.Q(amount__isnull=True),
                name="deal_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deals:detail", args=[self.pk])

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN


class StageEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("stage event", "created")
    MOVED = "moved", pgettext_lazy("stage event", "moved")
    WON = "won", pgettext_lazy("stage event", "won")
    LOST = "lost", pgettext_lazy("stage event", "lost")
    REOPENED = "reopened", pgettext_lazy("stage event", "reopened")


class StageEvent(models.Model):
    """One stage change: the row every cycle-time and conversion figure is computed from."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_events")
    kind = models.CharField(max_length=10, choices=StageEventKind.choices)
    from_stage = models.CharField(_("from"), max_length=32, blank=True)
    to_stage = models.CharField(_("to"), max_length=32)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seconds_in_previous = models.PositiveIntegerField(default=0)
    override_reason = models.TextField(_("override reason"), blank=True)
    unmet = models.JSONField(_("unmet criteria"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    playbook_version = models.ForeignKey(
        "playbook.PlaybookVersion", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deal", "at"], name="stageevent_deal_at"),
            models.Index(fields=["at", "to_stage"], name="stageevent_at_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"

    @property
    def is_override(self) -> bool:
        return bool(self.override_reason)


class ChecklistTick(models.Model):
    """A checklist item of a stage, ticked: who and when."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="ticks")
    stage = models.CharField(max_length=32)
    item = models.CharField(max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [
            models.UniqueConstraint(fields=["deal", "stage", "item"], name="tick_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.stage}/{self.item}"
