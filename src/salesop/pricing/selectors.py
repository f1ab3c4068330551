from django.db.models import Q, QuerySet

from salesop.accounts.models import Role, User
from salesop.deals.models import Deal
from salesop.pricing.models import Approval, Quote


def quotes_of(deal: Deal) -> QuerySet[Quote]:
    """The deal's quotes; the caller fetched the deal through its visibility selector."""
    return deal.quotes.prefetch_related("lines", "approvals")


def approvals_for(user: User) -> QuerySet[Approval]:
    """Approvals the user may decide: their roles' requests, for a manager only from their
    team's subtree; plus the ones they asked for (to follow them)."""
    mine = Q(owner=user)
    if user.sees_everything:
        decidable = Q()
    else:
        decidable = Q(role__in=[r for r in user.roles if r != Role.MANAGER])
        if Role.MANAGER in user.roles and user.team_id:
            decidable |= Q(role=Role.MANAGER, team__path__startswith=user.team.path)
    return Approval.objects.filter(decidable | mine).select_related("quote__deal", "owner")
