"""Who may do what in enablement: the one answer the pages, the API and the services ask."""

from salesop.accounts.models import Role, User
from salesop.enablement.models import Case, CaseStatus, Enrollment


def trains(user: User) -> bool:
    """Trainers, managers and sales ops run enablement: courses, scoring, certification."""
    return bool({Role.TRAINER, Role.MANAGER, Role.OPS} & set(user.roles)) or user.is_superuser


def may_sign_off(user: User, enrollment: Enrollment) -> bool:
    return user.pk == enrollment.mentor_id or Role.TRAINER in user.roles


def can_score(user: User) -> bool:
    """Who scores role-plays at all: trainers, managers, sales ops, and mentors (one query)."""
    return trains(user) or Enrollment.objects.filter(mentor=user).exists()


def may_score(user: User, trainee: User) -> bool:
    """Whether `user` scores this trainee's role-play: those who train, or the trainee's
    mentor (one query); never their own."""
    if user.pk == trainee.pk:
        return False
    return trains(user) or Enrollment.objects.filter(user=trainee, mentor=user).exists()


def may_edit_case(user: User, case: Case) -> bool:
    """The author, while the case is a draft or returned to them."""
    return user.pk == case.author_id and case.status in (CaseStatus.DRAFT, CaseStatus.RETURNED)


def may_review_case(user: User, case: Case) -> bool:
    """A manager of the author's team, or sales ops, publishes a case or returns it; never
    its author."""
    author = case.author
    if user.pk == author.pk:
        return False
    manages = (
        Role.MANAGER in user.roles
        and user.team_id is not None
        and author.team_id is not None
        and author.team.path.startswith(user.team.path)
    )
    return manages or user.can_administer
