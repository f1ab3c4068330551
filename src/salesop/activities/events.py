"""What happens to activities, published on the core event stream (core.events)."""

from salesop.accounts.models import User
from salesop.activities.models import Activity, Task
from salesop.core.events import publish

LOGGED = "activity.logged"
TASK_ASSIGNED = "task.assigned"


def activity_logged(activity: Activity, by: User) -> None:
    """A contact with a customer or lead was recorded (the Activity row is the event's row)."""
    publish(LOGGED, activity=activity, by=by)


def task_assigned(task: Task, *, by: User) -> None:
    """A task was given to its assignee (by someone else, or by themselves)."""
    publish(TASK_ASSIGNED, task=task, by=by)
