"""The worker's pulse: a sweep recorded, and ops told once per outage when sweeps stop."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.monitor.models import (
    Liveness,
)
from salesop.monitor.notices import tell_ops
from salesop.monitor.sending import deliver_due_webhooks, send_due_emails

SWEEP = Liveness.SWEEP


def sweep_recorded(now: datetime | None = None) -> None:
    """The worker completed a sweep: its pulse for /health/ and the ops home page. If ops had
    been told sweeps stopped, they are told they run again."""
    now = now or timezone.now()
    resumed = Liveness.objects.filter(name=SWEEP, alerted_at__isnull=False).update(
        at=now, alerted_at=None
    )
    if not resumed and not Liveness.objects.filter(name=SWEEP).update(at=now):
        Liveness.objects.get_or_create(name=SWEEP, defaults={"at": now})
    if resumed:
        tell_ops("worker.resumed", now, lambda zone: _("The background worker runs again."))


def sweeps_watch(*, since: datetime, now: datetime | None = None) -> bool:
    """Tells sales ops (inbox, email, every webhook that takes all alerts) when the worker's
    last sweep is older than SALESOP_SWEEP_STALE_SECONDS, or none came that long after `since`
    (when the watcher started). Called by the web server (`salesop serve`), since the worker is
    what stopped: it sends at once what the worker would have sent. Once per outage, however
    many servers watch (a conditional UPDATE claims it). True if it told them."""
    now = now or timezone.now()
    cutoff = now - settings.SWEEP_STALE_AFTER
    pulse, _created = Liveness.objects.get_or_create(name=SWEEP)
    stale = Q(at__lt=cutoff) | Q(at__isnull=True) if since <= cutoff else Q(at__lt=cutoff)
    claimed = Liveness.objects.filter(stale, pk=pulse.pk, alerted_at__isnull=True).update(
        alerted_at=now
    )
    if not claimed:
        return False

    def text(zone: ZoneInfo) -> str:
        if pulse.at is None:
            said = _(
                "No background worker has swept since this server started at %(time)s: alerts,"
                " notifications, imports and scheduled jobs are not running. Start `salesop"
                " worker`, or read the log of `salesop serve`."
            )
        else:
            said = _(
                "The background worker has not swept since %(time)s: alerts, notifications,"
                " imports and scheduled jobs are not running. Start `salesop worker`, or read"
                " the log of `salesop serve`."
            )
        return said % {"time": (pulse.at or since).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")}

    tell_ops("worker.stopped", now, text)
    deliver_due_webhooks(now)
    send_due_emails(now)
    return True
