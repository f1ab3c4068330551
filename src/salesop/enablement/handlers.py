"""What enablement does when other apps' events happen (core.events)."""

from salesop.accounts.events import CREATED
from salesop.accounts.models import User
from salesop.core.events import subscribe
from salesop.enablement.services import new_hire_enroll


@subscribe(CREATED)
def enrol_new_hire(user: User) -> None:
    """A new person starts the playbook's courses for their roles, with a mentor."""
    new_hire_enroll(user)
