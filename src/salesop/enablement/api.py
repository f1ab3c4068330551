"""Training over the API: one's courses and progress, quiz answers, role-play scores, and the
case library; the same services and refusals as the pages."""

from datetime import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from salesop.accounts.models import User
from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id, StrictIn, bounded
from salesop.enablement import selectors, services
from salesop.enablement.cases import case_search

router = Router(tags=["enablement"])


class ModuleOut(Schema):
    id: int
    title: str
    kind: str
    status: str | None
    score_pct: Decimal | None


class EnrollmentOut(Schema):
    id: int
    user_id: Id
    course: str
    title: str
    mentor_id: int | None
    due_on: str | None
    completed: bool
    modules: list[ModuleOut]


def _enrollment(e) -> dict:
    results = {r.module_id: r for r in e.results.all()}
    return {
        "id": e.pk,
        "user_id": e.user_id,
        "course": e.course.code,
        "title": e.course.title,
        "mentor_id": e.mentor_id,
        "due_on": e.due_on.isoformat() if e.due_on else None,
        "completed": e.completed_at is not None,
        "modules": [
            {
                "id": m.pk,
                "title": m.title,
                "kind": m.kind,
                "status": getattr(results.get(m.pk), "status", None),
                "score_pct": getattr(results.get(m.pk), "score_pct", None),
            }
            for m in e.course.modules.all()
        ],
    }


@router.get(
    "/enablement/enrollments",
    response={200: list[EnrollmentOut], **READ_ERRORS},
    operation_id="enablement_enrollments",
)
def enablement_enrollments(request):
    """The caller's courses and those of the people they look after, with module results."""
    return [_enrollment(e) for e in selectors.enrollments_visible_to(request.user)]


class QuizIn(StrictIn):
    answers: dict[int, list[bounded(0, 1000)]] = Field(
        description="question id -> the choices picked",
        json_schema_extra={"propertyNames": {"pattern": "^[1-9][0-9]{0,17}$"}},
    )


class ResultOut(Schema):
    status: str
    score_pct: Decimal | None
    attempts: int


@router.post(
    "/enablement/enrollments/{enrollment_id}/modules/{module_id}/quiz",
    response={200: ResultOut, **WRITE_ERRORS},
    operation_id="enablement_quiz_submit",
)
def enablement_quiz_submit(request, enrollment_id: Id, module_id: Id, payload: QuizIn):
    """Scores the caller's answers to a theory module's quiz."""
    enrollment = selectors.enrollment_for(request.user, enrollment_id)
    module = get_object_or_404(enrollment.course.modules.all(), pk=module_id)
    return services.quiz_submit(
        by=request.user, enrollment=enrollment, module=module, answers=payload.answers
    )


class RolePlayIn(StrictIn):
    scenario_id: Id
    trainee_id: Id
    scores: dict[str, int] = Field(description="rubric step -> points, within its range")
    notes: str = Field(default="", max_length=5000)


class RolePlayOut(Schema):
    id: int
    trainee_id: Id
    total_pct: Decimal
    held_at: datetime
    certified: bool


@router.post(
    "/enablement/roleplays",
    response={201: RolePlayOut, **WRITE_ERRORS},
    operation_id="enablement_roleplay_record",
)
def enablement_roleplay_record(request, payload: RolePlayIn):
    """Scores a role-play on the rubric; certifies the trainee when it completes a stage's
    requirements."""
    trainee = get_object_or_404(
        selectors.people_looked_after(request.user).exclude(pk=request.user.pk),
        pk=payload.trainee_id,
    )
    scenario = get_object_or_404(selectors.scenarios(), pk=payload.scenario_id)
    session = services.roleplay_record(
        by=request.user,
        scenario=scenario,
        trainee=trainee,
        scores=payload.scores,
        notes=payload.notes,
    )
    certified = services.valid_certification(trainee, scenario.stage) is not None
    return Status(
        201,
        {
            "id": session.pk,
            "trainee_id": trainee.pk,
            "total_pct": session.total_pct,
            "held_at": session.held_at,
            "certified": certified,
        },
    )


class CaseQuery(Schema):
    q: str = Field(default="", max_length=100)
    industry: str = Field(default="", max_length=100)
    product: str = Field(default="", max_length=100)
    stage: str = Field(default="", max_length=32)
    objection: str = Field(default="", max_length=20)


class CaseOut(Schema):
    id: int
    title: str
    outcome: str
    status: str
    industry: str
    products: str
    lessons: str
    decisive_moments: str
    stages: list[str]
    categories: list[str]


@router.get(
    "/enablement/cases",
    response={200: list[CaseOut], **READ_ERRORS},
    operation_id="enablement_cases",
)
def enablement_cases(request, query: Query[CaseQuery]):
    """Published cases (and the caller's drafts) matching the filters."""
    user: User = request.user
    return case_search(user, **query.dict())
