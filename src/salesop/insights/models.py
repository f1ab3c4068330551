from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MonthlyReview(models.Model):
    """That a month's SOP review went out to the managers: once per month, however often the
    monthly job runs. The review itself is recomputed from the event rows when opened."""

    month = models.DateField(_("month"), unique=True)  # its first day
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly review")
        verbose_name_plural = _("monthly reviews")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class CohortDay(models.Model):
    """Daily aggregate of the lead funnel: of the leads created on `day` with these owner,
    team, channel, grade and industry, how many reached `step` (and, for "won_status", the
    won revenue in the report currency). Rebuilt for recent days by the nightly job."""

    day = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", null=True, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        "leads.Channel", null=True, on_delete=models.CASCADE, related_name="+"
    )
    grade = models.CharField(max_length=1, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    step = models.CharField(max_length=32)
    count = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "step"], name="cohortday_day"),
            models.Index(fields=["owner", "day"], name="cohortday_owner"),
            models.Index(fields=["team", "day"], name="cohortday_team"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.step} {self.count}"


class ComplianceDay(models.Model):
    """Daily aggregate of the SOP compliance measures per person."""

    day = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("accounts.Team", null=True, on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=16)
    ok = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["day", "measure"], name="complianceday_day"),
            models.Index(fields=["owner", "day"], name="complianceday_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.ok}/{self.total}"


class AggregateRun(models.Model):
    """A refresh of the daily aggregates: the days it rebuilt and how long it took."""

    start = models.DateField()
    end = models.DateField()
    finished_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"
