"""Reads of enablement, scoped to who asks: a person's own courses, a mentor's mentees, and
for trainers, managers and sales ops the people they look after."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from salesop.accounts.models import Role, User
from salesop.enablement.models import (
    Certification,
    Enrollment,
    Module,
    ModuleResult,
    RolePlayScenario,
    RolePlaySession,
    TrainingSession,
)


def people_looked_after(user: User) -> QuerySet[User]:
    """Whose training the user may follow: everyone for trainers and sales ops, a manager's
    team subtree, a mentor's mentees, and themselves."""
    if user.sees_everything or Role.TRAINER in user.roles:
        return User.objects.filter(is_active=True)
    visible = Q(pk=user.pk) | Q(enrollments__mentor=user)
    if Role.MANAGER in user.roles and user.team_id:
        visible |= Q(team__path__startswith=user.team.path)
    return User.objects.filter(visible, is_active=True).distinct()


def enrollments_visible_to(user: User) -> QuerySet[Enrollment]:
    people = people_looked_after(user)
    return (
        Enrollment.objects.filter(Q(user__in=people) | Q(mentor=user))
        .select_related("user", "course", "mentor")
        .prefetch_related(
            Prefetch("course__modules", queryset=Module.objects.order_by("position", "id")),
            "results",
        )
        .order_by("user__username", "course__code")
    )


def enrollment_for(user: User, enrollment_id: int) -> Enrollment:
    enrollment = enrollments_visible_to(user).filter(pk=enrollment_id).first()
    if enrollment is None:
        raise Http404
    return enrollment


def waiting_for(user: User) -> QuerySet[ModuleResult]:
    """Practice tasks waiting for this mentor's (or, for a trainer, anyone's) sign-off."""
    results = ModuleResult.objects.filter(status="submitted").select_related(
        "enrollment__user", "enrollment__course", "module"
    )
    if Role.TRAINER in user.roles:
        return results
    return results.filter(enrollment__mentor=user)


def certifications_of(people: QuerySet[User]) -> QuerySet[Certification]:
    return Certification.objects.filter(user__in=people).select_related("user", "playbook_version")


def scenarios() -> QuerySet[RolePlayScenario]:
    return RolePlayScenario.objects.prefetch_related("objections", "questions")


def roleplays_visible_to(user: User) -> QuerySet[RolePlaySession]:
    return RolePlaySession.objects.filter(
        Q(trainee__in=people_looked_after(user)) | Q(evaluator=user)
    ).select_related("scenario", "trainee", "evaluator")


def module_result(enrollment: Enrollment, module: Module) -> ModuleResult | None:
    """The trainee's result on a module of their course, if any yet."""
    return ModuleResult.objects.filter(enrollment=enrollment, module=module).first()


def result_for(user: User, result_id: int) -> ModuleResult:
    """A module result of an enrolment `user` sees (404 otherwise)."""
    result = get_object_or_404(ModuleResult.objects.select_related("enrollment"), pk=result_id)
    enrollment_for(user, result.enrollment_id)
    return result


def sessions_recent(most: int = 50) -> QuerySet[TrainingSession]:
    """The latest training sessions with their host and attendees."""
    return TrainingSession.objects.prefetch_related("attendees").select_related("host")[:most]
