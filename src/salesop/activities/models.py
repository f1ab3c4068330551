from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("On-site visit")
    DEMO = "demo", _("Demo")
    MESSAGE = "message", _("Message (WeChat etc.)")


class Outcome(models.TextChoices):
    POSITIVE = "positive", _("Positive: moving forward")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative: concerns raised")
    NO_RESPONSE = "no_response", _("No answer / no reply")


class Activity(models.Model):
    """One contact with a customer (call, email, meeting, visit, demo), on a company and
    optionally a deal: the row follow-up timers and talk-time figures are computed from."""

    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=0, validators=[MaxValueValidator(24 * 60)]
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("with"), blank=True, related_name="activities"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["deal", "-occurred_at"], name="activity_deal_recent"),
            models.Index(fields=["account", "-occurred_at"], name="activity_account_recent"),
            models.Index(fields=["by", "-occurred_at"], name="activity_by_recent"),
            models.Index(fields=["lead", "-occurred_at"], name="activity_lead_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class Task(models.Model):
    """Something someone must do by a time, on a company or deal."""

    title = models.CharField(_("task"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["assignee", "done_at", "due_at"], name="task_my_work")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at < timezone.now()
