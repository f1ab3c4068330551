"""Whose turn a deal opened for someone else makes it: its owner's."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.core.events import subscribe
from salesop.deals.events import CREATED
from salesop.deals.models import Deal, StageEvent
from salesop.monitor.handoffs import handoff_kind, tell

DEAL = handoff_kind("deal.assigned", gettext_lazy("A deal is opened for me"))


@subscribe(CREATED)
def tell_owner(deal: Deal, event: StageEvent) -> None:
    """A deal someone opened for another person (a manager's, customer success's growth deal)
    reaches its owner; a rep's own deal tells nobody."""
    if event.by is None:
        return
    tell(
        [deal.owner],
        DEAL,
        lambda: (
            _("%(who)s opened the deal %(deal)s for you (%(account)s)")
            % {"who": event.by, "deal": deal.name, "account": deal.account.name}
        ),
        reverse("deals:detail", args=[deal.pk]),
        by=event.by,
        team=deal.team,
    )
