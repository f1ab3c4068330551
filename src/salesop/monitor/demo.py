"""Demo data of the monitor app: a rep's quiet hours and the alerts of the demo's lapses."""

from datetime import time

from salesop.accounts.models import User
from salesop.monitor.models import NotificationPreference
from salesop.monitor.services import sweep


def load_supervision(users: dict[str, User]) -> None:
    """Alerts for the demo's lapses (a deal past its stage limit, a signing date passed) and
    the rep's quiet hours; the running worker keeps sweeping from here."""
    NotificationPreference.objects.get_or_create(
        user=users["rep"], defaults={"quiet_start": time(22, 0), "quiet_end": time(7, 0)}
    )
    sweep()
