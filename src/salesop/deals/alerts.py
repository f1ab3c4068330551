"""The deal timers the monitor sweeps: a deal outstaying its stage, a signing date passing."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.deals.models import Deal, DealStatus
from salesop.deals.selectors import playbook_of
from salesop.monitor.registry import AlertKind, alert_kind

BATCH = 1000


def _open_due(column: str, make):
    """Claims open deals whose `column` is due (clearing it) and opens one alert per claim, in
    one transaction per deal: a crash leaves the deal either claimed and alerted, or neither."""

    def open_due(rule, now: datetime, opener) -> int:
        opened = 0
        while True:  # drain in batches: after downtime thousands may be due at once
            due = list(
                # Only the due index: services clear due columns when a deal closes, and a
                # status filter here makes planners scan every open deal instead.
                Deal.objects.filter(**{f"{column}__lte": now})
                .select_related("owner", "team", "playbook_version")
                .order_by(column)[:BATCH]
            )
            for deal in due:
                with transaction.atomic():
                    claimed = Deal.objects.filter(
                        pk=deal.pk, **{column: getattr(deal, column)}
                    ).update(**{column: None})
                    if claimed and opener(
                        rule=rule,
                        owner=deal.owner,
                        team=deal.team,
                        deal=deal,
                        now=now,
                        url=deal.get_absolute_url(),
                        **make(deal, rule),
                    ):
                        opened += 1
            if len(due) < BATCH:
                return opened

    return open_due


def _stage_alert(deal: Deal, rule) -> dict:
    spec = playbook_of(deal).stage(deal.stage)
    entered = f"{deal.stage_entered_at:%Y%m%d%H%M%S}"
    return {
        "dedupe_key": f"{rule.key}:deal:{deal.pk}:{deal.stage}:{entered}",
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
        open_due=_open_due("stage_due_at", _stage_alert),
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
        "state": date,
        "params": {"deal": deal.name, "date": date},
    }


alert_kind(
    AlertKind(
        name="deal.signing_overdue",
        open_due=_open_due("close_due_at", _signing_alert),
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
