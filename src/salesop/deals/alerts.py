"""The deal timers the monitor sweeps: a deal outstaying its stage, a signing date passing."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.deals.models import Deal, DealStatus
from salesop.deals.selectors import playbook_of
from salesop.monitor.registry import AlertKind, alert_kind, open_due_rows


def _stage_alert(deal: Deal, rule) -> dict:
    spec = playbook_of(deal).stage(deal.stage)
    entered = f"{deal.stage_entered_at:%Y%m%d%H%M%S}"
    return {
        "dedupe_key": f"{rule.key}:deal:{deal.pk}:{deal.stage}:{entered}",
        "deal": deal,
        "state": deal.stage,
        "params": {
            "deal": deal.name,
            "stage": deal.stage,
            "limit": spec.max_dwell_days if spec else None,
            "since": deal.stage_entered_at.isoformat(),
        },
    }


def _stage_title(alert) -> str:
    deal = alert.deal
    stage = playbook_of(deal).stage_label(alert.params["stage"], get_language() or "zh-hans")
    days = (timezone.now() - datetime.fromisoformat(alert.params["since"])).days
    return _("Deal “%(deal)s” has been in %(stage)s for %(days)d days (limit %(limit)s).") % {
        "deal": alert.params["deal"],
        "stage": stage,
        "days": days,
        "limit": alert.params["limit"],
    }


alert_kind(
    AlertKind(
        name="deal.stage_overdue",
        open_due=open_due_rows(
            Deal, "stage_due_at", _stage_alert, ("owner", "team", "playbook_version")
        ),
        cleared=lambda alerts: (
            a for a in alerts if a.deal.status != DealStatus.OPEN or a.deal.stage != a.state
        ),
        title=_stage_title,
    )
)


def _signing_alert(deal: Deal, rule) -> dict:
    date = deal.expected_close_date.isoformat()
    return {
        "dedupe_key": f"{rule.key}:deal:{deal.pk}:{date}",
        "deal": deal,
        "state": date,
        "params": {"deal": deal.name, "date": date},
    }


alert_kind(
    AlertKind(
        name="deal.signing_overdue",
        open_due=open_due_rows(Deal, "close_due_at", _signing_alert),
        cleared=lambda alerts: (
            a
            for a in alerts
            if a.deal.status != DealStatus.OPEN
            or (a.deal.expected_close_date and a.deal.expected_close_date.isoformat() != a.state)
        ),
        title=lambda alert: (
            _("Deal “%(deal)s” was expected to sign by %(date)s and has not.")
            % {"deal": alert.params["deal"], "date": alert.params["date"]}
        ),
    )
)
