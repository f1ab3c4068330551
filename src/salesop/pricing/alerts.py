"""The approval timer: an approval waiting longer than the playbook allows."""

from django.utils.translation import gettext as _

from salesop.monitor.registry import AlertKind, alert_kind, open_due_rows
from salesop.pricing.models import Approval, ApprovalStatus


def _waiting(approval: Approval, rule) -> dict:
    return {
        "dedupe_key": f"{rule.key}:approval:{approval.pk}",
        "state": "",
        "params": {
            "approval_id": approval.pk,
            "deal": str(approval.quote.deal),
            "role": approval.role,
            "hours": rule.after_hours,
        },
    }


def _cleared(alerts):
    alerts = list(alerts)
    pending = set(
        Approval.objects.filter(
            pk__in=[a.params.get("approval_id") for a in alerts], status=ApprovalStatus.PENDING
        ).values_list("pk", flat=True)
    )
    return (a for a in alerts if a.params.get("approval_id") not in pending)


alert_kind(
    AlertKind(
        name="approval.pending_too_long",
        open_due=open_due_rows(Approval, "due_at", _waiting, ("owner", "team", "quote__deal")),
        cleared=_cleared,
        title=lambda a: (
            _("The approval (%(role)s) for “%(deal)s” has waited over %(hours)s hours.")
            % {"role": a.params["role"], "deal": a.params["deal"], "hours": a.params["hours"]}
        ),
    )
)
