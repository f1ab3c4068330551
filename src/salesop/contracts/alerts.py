"""The signing follow-up: a contract's target signing date passed and it is not signed."""

from django.utils.translation import gettext as _

from salesop.contracts.models import Contract, ContractStatus
from salesop.monitor.registry import AlertKind, alert_kind, open_due_rows


def _overdue(contract: Contract, rule) -> dict:
    date = contract.target_signing_date.isoformat()
    return {
        # One follow-up per contract and agreed date: a new date may raise a new one.
        "dedupe_key": f"{rule.key}:contract:{contract.pk}:{date}",
        "deal": contract.deal,
        "state": date,
        "params": {"contract": contract.number, "deal": contract.deal.name, "date": date},
    }


def _cleared(alerts):
    alerts = list(alerts)
    ids = {a.params.get("contract") for a in alerts}
    waiting = {
        (c.number, c.target_signing_date.isoformat() if c.target_signing_date else "")
        for c in Contract.objects.filter(
            number__in=ids,
            status__in=(
                ContractStatus.DRAFT,
                ContractStatus.IN_REVIEW,
                ContractStatus.RETURNED,
                ContractStatus.APPROVED,
                ContractStatus.SENT,
            ),
        )
    }
    return (a for a in alerts if (a.params.get("contract"), a.state) not in waiting)


alert_kind(
    AlertKind(
        name="contract.signing_overdue",
        open_due=open_due_rows(
            Contract, "signing_due_at", _overdue, ("deal__owner", "deal__team", "deal")
        ),
        cleared=_cleared,
        title=lambda alert: (
            _(
                "Contract %(contract)s for “%(deal)s” was to be signed by %(date)s: restate the "
                "value and consider a time-limited incentive."
            )
            % {
                "contract": alert.params["contract"],
                "deal": alert.params["deal"],
                "date": alert.params["date"],
            }
        ),
    )
)
