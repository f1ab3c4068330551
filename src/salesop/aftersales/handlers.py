"""What after-sales does when other apps' events happen (core.events)."""

from salesop.accounts.models import User
from salesop.aftersales.projects import project_from_handover
from salesop.aftersales.revisits import revisits_plan
from salesop.contracts.events import SIGNED
from salesop.contracts.models import Contract, Handover
from salesop.core.events import subscribe
from salesop.customers.events import TIER_CHANGED
from salesop.customers.models import Account


@subscribe(TIER_CHANGED)
def replan_revisits(account: Account, by: User) -> None:
    """A company's tier sets how often it is revisited: its planned revisits follow."""
    revisits_plan(account=account, by=by)


@subscribe(SIGNED)
def open_project(contract: Contract, handover: Handover, by: User) -> None:
    """A signed contract's hand-over opens its delivery project."""
    project_from_handover(handover=handover, by=by)
