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


class CohortMonth(models.Model):
    """Aggregate of the lead funnel per cohort month: of the leads created in `month` with
    this owner, team, channel and grade, how many reached `step` (and, for "won_status", the
    won revenue in the report currency). Rebuilt for recent months by the nightly job."""

    month = models.DateField()  # its first day
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", null=True, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        "leads.Channel", null=True, on_delete=models.CASCADE, related_name="+"
    )
    grade = models.CharField(max_length=1, blank=True)
    step = models.CharField(max_length=32)
    count = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["month", "step"], name="cohortmonth_month"),
            models.Index(fields=["owner", "month"], name="cohortmonth_owner"),
            models.Index(fields=["team", "month"], name="cohortmonth_team"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.step} {self.count}"


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
