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
