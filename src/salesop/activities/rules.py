"""Who may do what with activities and tasks: the one answer for pages, the API and the
services."""

from salesop.accounts.models import User
from salesop.activities.models import Task


def may_complete(user: User, task: Task) -> bool:
    """The assignee, the one who set the task, or whoever sees everything closes it."""
    return user.pk in (task.assignee_id, task.created_by_id) or user.sees_everything
