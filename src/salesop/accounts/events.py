"""What happens to people, published on the core event stream (core.events)."""

from salesop.accounts.models import User
from salesop.core.events import publish

CREATED = "user.created"


def user_created(user: User) -> None:
    """A person was given an account (the user row is the event's row); enablement enrols a new
    hire in the playbook's courses."""
    publish(CREATED, user=user)
