"""What other events mean for deals: a deal opened for someone else is its owner's turn; the
customer's answer to the recap is the owner's (and the sender's) to act on; a meeting or call
logged with people of the decision chain engages them."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.activities.events import LOGGED
from salesop.activities.models import Activity, ActivityKind
from salesop.core.audit import audit_actor
from salesop.core.events import subscribe
from salesop.deals.events import CREATED, RECAP_ANSWERED
from salesop.deals.models import Deal, RecapLink, StageEvent, Stakeholder
from salesop.monitor.handoffs import handoff_kind, tell

DEAL = handoff_kind("deal.assigned", gettext_lazy("A deal is opened for me"))
RECAP = handoff_kind("recap.answered", gettext_lazy("A customer confirms or corrects a recap"))


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


@subscribe(RECAP_ANSWERED)
def tell_recap_answered(deal: Deal, link: RecapLink, by=None) -> None:
    """The customer's answer reaches the deal's owner and whoever sent the link: a
    confirmation clears the way, a correction is theirs to revise and send again."""
    who = link.contact.name if link.contact else deal.account.name

    def text():
        if link.confirmed:
            return _("%(who)s confirmed the recap of %(deal)s") % {"who": who, "deal": deal.name}
        return _("%(who)s corrected the recap of %(deal)s: %(words)s") % {
            "who": who,
            "deal": deal.name,
            "words": link.customer_words,
        }

    tell(
        [deal.owner, link.sent_by],
        RECAP,
        text,
        reverse("deals:discovery", args=[deal.pk]) + "#recap",
        by=None,
        opens=lambda person: Deal.objects.seen_by(person, deal.pk),
        team=deal.team,
    )


ENGAGING = {ActivityKind.CALL, ActivityKind.MEETING, ActivityKind.VISIT, ActivityKind.DEMO}


@subscribe(LOGGED)
def engage_stakeholders(activity: Activity, by) -> None:
    """A call, meeting, visit or demo on a deal with people of its decision chain counts as
    engaging them (the criteria that ask for the decision maker or finance read it)."""
    if activity.deal_id is None or activity.kind not in ENGAGING:
        return
    people = Stakeholder.objects.filter(
        deal_id=activity.deal_id, contact__in=activity.contacts.all()
    ).filter(Q(last_engaged_at__isnull=True) | Q(last_engaged_at__lt=activity.occurred_at))
    with audit_actor(by):
        for person in people:
            person.last_engaged_at = activity.occurred_at
            person.save(update_fields=["last_engaged_at"])
