"""Every write of enablement: enrolment (new hires from the playbook), quiz answers scored,
practice signed off by the mentor, role-plays scored on the SOP's steps, and certification
granted when a stage's course and role-play are passed, lapsing when the playbook changes the
stage materially."""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.time import company_date, company_today
from salesop.enablement import events, rules
from salesop.enablement.models import (
    RUBRIC,
    Certification,
    Course,
    Enrollment,
    Module,
    ModuleKind,
    ModuleResult,
    ResultStatus,
    RolePlayScenario,
    RolePlaySession,
)
from salesop.enablement.rules import may_sign_off, trains
from salesop.playbook.hooks import activation_upgrade
from salesop.playbook.schema import Playbook
from salesop.playbook.selectors import active_playbook, active_version, parsed


def _pct(part: int | Decimal, whole: int | Decimal) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def senior_rep(user: User) -> User | None:
    """A mentor for a new hire: the longest-serving other active rep of the same team."""
    if user.team_id is None:
        return None
    return (
        User.objects.filter(team_id=user.team_id, is_active=True, role_grants__role=Role.REP)
        .exclude(pk=user.pk)
        .order_by("date_joined", "pk")
        .first()
    )


def new_hire_enroll(user: User) -> list[Enrollment]:
    """Enrols a new user in the courses the playbook gives their roles, due within the
    playbook's new-hire days, with a senior rep of their team as mentor."""
    playbook = active_playbook()
    codes = [c for role in sorted(user.roles) for c in playbook.enablement.new_hire.get(role, [])]
    due = company_today() + timedelta(days=playbook.enablement.new_hire_days)
    mentor = senior_rep(user)
    made = []
    for course in Course.objects.filter(code__in=codes, active=True):
        enrollment, created = Enrollment.objects.get_or_create(
            user=user, course=course, defaults={"mentor": mentor, "due_on": due}
        )
        if created:
            made.append(enrollment)
    return made


@transaction.atomic
def enroll(
    *, by: User, user: User, course: Course, mentor: User | None = None, due_on=None
) -> Enrollment:
    if not trains(by):
        raise DomainError("forbidden", _("Only trainers, managers and sales ops enrol people."))
    if mentor is not None and mentor.pk == user.pk:
        raise DomainError(
            "mentor", _("A mentor must be someone else."), {"mentor": _("Choose someone else.")}
        )
    with audit_actor(by):
        enrollment, _created = Enrollment.objects.update_or_create(
            user=user, course=course, defaults={"mentor": mentor, "due_on": due_on}
        )
    return enrollment


def _own_module(by: User, enrollment: Enrollment, module: Module, kind: str) -> None:
    if by.pk != enrollment.user_id:
        raise DomainError(
            "not_yours",
            _("Only %(name)s can answer their own course work.") % {"name": enrollment.user},
            {"answers": _("This is another person's course.")},
        )
    if module.course_id != enrollment.course_id:
        raise DomainError("module", _("This module belongs to another course."))
    if module.kind != kind:
        raise DomainError("module_kind", _("This module is not of that kind."))


@transaction.atomic
def quiz_submit(
    *,
    by: User,
    enrollment: Enrollment,
    module: Module,
    answers: dict[int, list[int]],
    now: datetime | None = None,
) -> ModuleResult:
    """Scores a theory module's quiz: a question counts when exactly its right choices are
    picked (unanswered: wrong). Refused for someone else's course, after the enrolment's due
    date, or for questions and choices the quiz does not have; nothing is kept then."""
    now = now or timezone.now()
    _own_module(by, enrollment, module, ModuleKind.THEORY)
    if enrollment.due_on and company_date(now) > enrollment.due_on:
        raise DomainError(
            "past_due",
            _("The course was due on %(date)s: ask your trainer to extend it.")
            % {"date": enrollment.due_on.isoformat()},
            {"answers": _("Past the due date.")},
        )
    questions = {q.pk: q for q in module.questions.all()}
    if not questions:
        raise DomainError("no_questions", _("This module has no quiz yet."))
    for question_id, picked in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise DomainError(
                "unknown_question",
                _("Question %(id)s is not in this quiz.") % {"id": question_id},
                {f"answers.{question_id}": _("Not in this quiz.")},
            )
        if any(not 0 <= choice < len(question.choices) for choice in picked):
            raise DomainError(
                "unknown_choice",
                _("An answer to “%(question)s” picks a choice it does not have.")
                % {"question": question.text},
                {f"answers.{question_id}": _("Choose from the listed answers.")},
            )
    right = sum(
        1 for pk, q in questions.items() if sorted(set(answers.get(pk, []))) == sorted(q.correct)
    )
    score = _pct(right, len(questions))
    with audit_actor(by):
        result, _created = ModuleResult.objects.get_or_create(
            enrollment=enrollment,
            module=module,
            defaults={"status": ResultStatus.FAILED},
        )
        result.status = ResultStatus.PASSED if score >= module.pass_pct else ResultStatus.FAILED
        result.score_pct = score
        result.answers = {str(k): v for k, v in answers.items()}
        result.attempts += 1
        result.submitted_at = now
        result.save()
    _progress(enrollment, now)
    return result


@transaction.atomic
def practice_submit(
    *, by: User, enrollment: Enrollment, module: Module, evidence: str
) -> ModuleResult:
    """A practice task done, described for the mentor to check."""
    _own_module(by, enrollment, module, ModuleKind.PRACTICE)
    if not evidence.strip():
        raise DomainError(
            "evidence", _("Say what you did."), {"evidence": _("This field is required.")}
        )
    with audit_actor(by):
        result, _created = ModuleResult.objects.update_or_create(
            enrollment=enrollment,
            module=module,
            defaults={
                "status": ResultStatus.SUBMITTED,
                "evidence": evidence.strip()[:5000],
                "submitted_at": timezone.now(),
            },
        )
    events.practice_submitted(result, by=by)
    return result


@transaction.atomic
def practice_sign_off(*, by: User, result: ModuleResult, passed: bool, note: str = "") -> None:
    """The mentor (or a trainer) checks a practice task: passed, or sent back with a note."""
    enrollment = result.enrollment
    if not may_sign_off(by, enrollment):
        raise DomainError(
            "not_mentor",
            _("Only %(name)s's mentor or a trainer signs off practice tasks.")
            % {"name": enrollment.user},
        )
    if result.status != ResultStatus.SUBMITTED:
        raise DomainError("not_submitted", _("Nothing is waiting to be signed off."))
    if not passed and not note.strip():
        raise DomainError("note", _("Say what to improve."), {"note": _("This field is required.")})
    with audit_actor(by):
        result.status = ResultStatus.PASSED if passed else ResultStatus.FAILED
        result.signed_off_by = by
        result.signed_off_at = timezone.now()
        result.note = note.strip()[:1000]
        result.save(update_fields=["status", "signed_off_by", "signed_off_at", "note"])
    events.practice_signed_off(result, by=by)
    _progress(enrollment, timezone.now())


def _progress(enrollment: Enrollment, now: datetime) -> None:
    """Marks the enrolment complete when every module is passed, then checks certification."""
    modules = set(enrollment.course.modules.values_list("pk", flat=True))
    passed = set(
        enrollment.results.filter(status=ResultStatus.PASSED).values_list("module_id", flat=True)
    )
    if modules and modules <= passed and enrollment.completed_at is None:
        enrollment.completed_at = now
        enrollment.save(update_fields=["completed_at"])
    if enrollment.course.stage:
        certify(enrollment.user, enrollment.course.stage)


@transaction.atomic
def roleplay_record(
    *,
    by: User,
    scenario: RolePlayScenario,
    trainee: User,
    scores: dict[str, int],
    notes: str = "",
    turns: list[tuple[str, str]] | None = None,
    trainee_speaker: str = "",
) -> RolePlaySession:
    """A role-play scored on each rubric step within its range; with a transcript, the
    trainee's talk share and questions as on a real call."""
    from salesop.deals.discovery.rules import talk_ratio

    if by.pk == trainee.pk:
        raise DomainError("self", _("Someone else scores your role-play."))
    if not rules.may_score(by, trainee):
        raise DomainError(
            "forbidden", _("Only a trainer, a manager or the trainee's mentor scores role-plays.")
        )
    steps = {key: (label, top) for key, label, top in RUBRIC}
    for key in scores:
        if key not in steps:
            raise DomainError(
                "rubric",
                _("%(key)s is not a step of the rubric.") % {"key": key},
                {f"scores.{key}": _("Not a rubric step.")},
            )
    for key, (label, top) in steps.items():
        value = scores.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
            raise DomainError(
                "score_range",
                _("Score “%(step)s” from 0 to %(top)d.") % {"step": label, "top": top},
                {f"scores.{key}": _("From 0 to %(top)d.") % {"top": top}},
            )
    total = _pct(sum(scores.values()), sum(top for _label, top in steps.values()))
    ratio = talk_ratio(turns, trainee_speaker) if turns else None
    with audit_actor(by):
        session = RolePlaySession.objects.create(
            scenario=scenario,
            trainee=trainee,
            evaluator=by,
            scores=scores,
            total_pct=total,
            notes=notes.strip()[:5000],
            rep_share_pct=ratio.rep_share_pct if ratio else None,
            open_questions=ratio.open_questions if ratio else None,
            closed_questions=ratio.closed_questions if ratio else None,
        )
    certify(trainee, scenario.stage)
    return session


def valid_certification(user: User, stage: str) -> Certification | None:
    return Certification.objects.filter(user=user, stage=stage, lapsed_at__isnull=True).first()


def certify(user: User, stage: str) -> Certification | None:
    """Certifies `user` for `stage` when the playbook defines it and they passed its course
    and, since any earlier certification for it lapsed, a role-play of the stage at the
    playbook's mark. Returns the valid certification, if any."""
    current = valid_certification(user, stage)
    if current is not None:
        return current
    spec = active_playbook().enablement.certification(stage)
    if spec is None:
        return None
    completed = Enrollment.objects.filter(
        user=user, course__code=spec.course, completed_at__isnull=False
    ).exists()
    if not completed:
        return None
    lapsed = (
        Certification.objects.filter(user=user, stage=stage)
        .order_by("-lapsed_at")
        .values_list("lapsed_at", flat=True)
        .first()
    )
    roleplays = RolePlaySession.objects.filter(
        trainee=user, scenario__stage=stage, total_pct__gte=spec.roleplay_min
    )
    if lapsed:
        roleplays = roleplays.filter(held_at__gt=lapsed)
    best = roleplays.order_by("-total_pct", "-held_at").first()
    if best is None:
        return None
    certification = Certification.objects.create(
        user=user, stage=stage, playbook_version=active_version(), roleplay=best
    )
    events.certified(certification)
    return certification


def material(old: Playbook, new: Playbook, stage: str) -> bool:
    """Whether the new playbook changes what the stage asks: its checklist, its exit
    criteria, or what certifies for it (wording changes are not material)."""
    before, after = old.stage(stage), new.stage(stage)
    if before is None or after is None:
        return True
    return (
        [c.key for c in before.checklist] != [c.key for c in after.checklist]
        or before.exit_criteria != after.exit_criteria
        or old.enablement.certification(stage) != new.enablement.certification(stage)
    )


@activation_upgrade
def lapse_changed_stages(playbook: Playbook, version) -> None:
    """On activation: certifications for stages the new version changes materially lapse
    and must be renewed."""
    now = timezone.now()
    for cert in Certification.objects.filter(lapsed_at__isnull=True).select_related(
        "playbook_version"
    ):
        if cert.playbook_version_id == version.pk:
            continue
        if material(parsed(cert.playbook_version), playbook, cert.stage):
            cert.lapsed_at = now
            cert.lapsed_reason = _("Playbook version %(n)d changed the stage.") % {
                "n": version.number
            }
            cert.save(update_fields=["lapsed_at", "lapsed_reason"])
            events.certification_lapsed(cert)
        else:
            cert.playbook_version = version
            cert.save(update_fields=["playbook_version"])


@transaction.atomic
def session_record(
    *,
    by: User,
    kind: str,
    title: str,
    held_at: datetime,
    attendees: list[User],
    notes: str = "",
    case=None,
):
    """An ongoing enablement session (briefing, workshop, won-deal review) and who came."""
    from salesop.enablement.models import SessionKind, TrainingSession

    if not trains(by):
        raise DomainError("forbidden", _("Only trainers, managers and sales ops record sessions."))
    if kind not in SessionKind.values:
        raise DomainError("kind", _("Choose the kind of session."), {"kind": _("Unknown kind.")})
    if not title.strip():
        raise DomainError("title", _("Give the session a title."), {"title": _("Required.")})
    with audit_actor(by):
        session = TrainingSession.objects.create(
            kind=kind,
            title=title.strip()[:200],
            held_at=held_at,
            host=by,
            notes=notes.strip()[:5000],
            case=case,
        )
        session.attendees.set(attendees)
    return session
