from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """A lapse in the SOP the system noticed (a deal outstaying its stage, a signing date
    passed...). One row per condition: `dedupe_key` is unique, so the same condition alerts
    once; it resolves itself when the condition clears."""

    kind = models.CharField(_("kind"), max_length=64)
    rule_key = models.CharField(_("rule"), max_length=32)
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    # The condition as it was when the alert opened (e.g. the stage), to tell when it clears.
    state = models.CharField(max_length=64, blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    open_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["status", "kind"], name="alert_status_kind"),
            models.Index(fields=["owner", "status", "-opened_at"], name="alert_owner"),
            models.Index(fields=["team", "status", "-opened_at"], name="alert_team"),
            models.Index(fields=["escalate_at"], name="alert_escalate_due"),
            models.Index(fields=["-opened_at", "-id"], name="alert_recent"),
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class Notification(models.Model):
    """An entry in a user's inbox; also the unit emailed (after quiet hours)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # A hand-off's kind (monitor.handoffs); blank for alerts and notices to sales ops.
    kind = models.CharField(max_length=48, blank=True)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # When the email (next) falls due; a sender claims it by moving this forward (a lease), as
    # webhook deliveries do, and it is retried with their back-off until the server accepts it.
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)  # the mail server accepted it
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)  # the last attempt's, if it failed
    email_failed_at = models.DateTimeField(null=True, blank=True)  # given up after every retry

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox"),
            models.Index(fields=["email_due_at"], name="notification_email_due"),
            models.Index(fields=["email_failed_at"], name="notification_email_failed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "alert", "title"], name="notification_once_per_alert_event"
            )
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("also by email"), default=True)
    muted_kinds = models.JSONField(_("muted alert kinds"), default=list, blank=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class WebhookKind(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk (钉钉) robot")
    FEISHU = "feishu", _("Feishu / Lark bot")
    SLACK = "slack", _("Slack incoming webhook")
    GENERIC = "generic", _("Generic JSON (HMAC-SHA256 signed)")


class WebhookEndpoint(models.Model):
    """A chat channel or system that receives alerts, optionally only some kinds or one team."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=WebhookKind.choices)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    alert_kinds = models.JSONField(_("alert kinds (empty: all)"), default=list, blank=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("only for team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL)
    event = models.CharField(max_length=16)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt may start; a sender claims a delivery by moving this forward.
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at"], name="delivery_due")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.event} {self.status}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class DigestRun(models.Model):
    """One daily digest for one user and local date, written once (a rerun writes nothing
    twice) and sent like a webhook delivery: claimed, retried with back-off, `sent_at` set only
    when the mail server accepted it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="digest_once_per_day")]
        indexes = [models.Index(fields=["next_attempt_at"], name="digest_due")]

    def __str__(self) -> str:
        return f"{self.user} {self.date}"


class Heartbeat(models.Model):
    """A job run in progress (an import, an export, a training run, the nightly work...): the
    process running it beats here, so the sweep finds runs whose worker died and retries or
    fails them. The row goes when the run ends; `beat_at` is null while a retry waits in the
    queue (the row keeps counting attempts)."""

    kind = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(null=True, blank=True)
    # Where `pid` names the running process: the boot and the process namespace it lives in
    # (empty where the operating system cannot be asked), and when that process started.
    machine = models.CharField(max_length=100, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    pid_started = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="heartbeat_once_per_job")
        ]
        indexes = [models.Index(fields=["beat_at"], name="heartbeat_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class Liveness(models.Model):
    """When a recurring part of the worker (the sweep, sending email) last succeeded, and since
    when ops know it stopped (cleared when it works again), so one outage is told once."""

    SWEEP = "sweep"
    EMAIL = "email"  # `at`: the mail server last accepted a message; `alerted_at`: ops told it
    # stopped

    name = models.CharField(max_length=32, unique=True)
    at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.at}"


class ScheduledRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScheduledRun(models.Model):
    """The nightly or monthly work for one day or month: one row, so a run whose worker died
    is found (by its heartbeat) and run again, and a finished one is not."""

    schedule = models.CharField(max_length=16)  # nightly | monthly
    period = models.DateField()  # the day, or the month's first day
    status = models.CharField(
        max_length=8, choices=ScheduledRunStatus.choices, default=ScheduledRunStatus.QUEUED
    )
    message = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schedule", "period"], name="scheduled_once_per_period")
        ]
        ordering = ["-period", "schedule"]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period} ({self.status})"
