from django.db import models


class RateWindow(models.Model):
    """Uses of one rate-limited door (a portal link, an intake channel, an API caller) in the
    current minute and the one before, shared by every process of the installation
    (core.throttle)."""

    door = models.CharField(max_length=100, primary_key=True)
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField()
    previous = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.door}: {self.count}"
