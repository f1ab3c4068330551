"""What happens to companies, published on the core event stream (core.events)."""

from salesop.accounts.models import User
from salesop.core.events import publish
from salesop.customers.models import Account

TIER_CHANGED = "account.tier_changed"


def tier_changed(account: Account, by: User) -> None:
    """A company's tier changed (its audit entry records from what); after-sales replans the
    company's revisits."""
    publish(TIER_CHANGED, account=account, by=by)
