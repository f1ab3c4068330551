"""Who may do what in enablement: the one answer the pages, the API and the services ask."""

from salesop.accounts.models import Role, User
from salesop.enablement.models import Enrollment


def trains(user: User) -> bool:
    """Trainers, managers and sales ops run enablement: courses, scoring, certification."""
    return bool({Role.TRAINER, Role.MANAGER, Role.OPS} & set(user.roles)) or user.is_superuser


def may_sign_off(user: User, enrollment: Enrollment) -> bool:
    return user.pk == enrollment.mentor_id or Role.TRAINER in user.roles


def can_score(user: User) -> bool:
    """Who scores role-plays: trainers, managers, sales ops, and mentors."""
    return trains(user) or Enrollment.objects.filter(mentor=user).exists()
