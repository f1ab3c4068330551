"""Enablement pages: my learning (courses with progress, certifications), a module (read,
take its quiz or report the practice task; the mentor signs off), and role-play scoring."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.core.errors import DomainError
from salesop.core.forms import act_then_redirect, flash_refusal
from salesop.core.params import parse_id, parse_int, parse_text
from salesop.deals.discovery.rules import TranscriptError, transcript_turns
from salesop.deals.models import ObjectionCategory
from salesop.deals.selectors import deal_for
from salesop.enablement import rules, selectors, services
from salesop.enablement.cases import (
    case_create,
    case_review,
    case_search,
    case_write,
    cases_visible_to,
)
from salesop.enablement.models import (
    RUBRIC,
    ResultStatus,
    SessionKind,
)
from salesop.enablement.ramp import ramp
from salesop.playbook.selectors import active_playbook


def _progress(enrollment) -> dict:
    results = {r.module_id: r for r in enrollment.results.all()}
    modules = list(enrollment.course.modules.all())
    passed = sum(1 for m in modules if getattr(results.get(m.pk), "status", "") == "passed")
    return {
        "enrollment": enrollment,
        "modules": [(m, results.get(m.pk)) for m in modules],
        "passed": passed,
        "total": len(modules),
    }


def _stage_labels() -> dict[str, str]:
    return active_playbook().stage_labels(get_language() or "zh-hans")


@login_required
def home(request):
    user = request.user
    enrollments = list(selectors.enrollments_visible_to(user))
    people = selectors.people_looked_after(user)
    return render(
        request,
        "enablement/home.html",
        {
            "mine": [_progress(e) for e in enrollments if e.user_id == user.pk],
            "others": [_progress(e) for e in enrollments if e.user_id != user.pk],
            "waiting": list(selectors.waiting_for(user)),
            "certifications": list(selectors.certifications_of(people)),
            "stage_labels": _stage_labels(),
            "roleplays": list(selectors.roleplays_visible_to(user)[:20]),
            "can_score": rules.can_score(user),
        },
    )


@login_required
def module(request, enrollment_id: int, module_id: int):
    enrollment = selectors.enrollment_for(request.user, enrollment_id)
    chosen = get_object_or_404(enrollment.course.modules.all(), pk=module_id)
    result = selectors.module_result(enrollment, chosen)
    if request.method == "POST":
        return _answer(request, enrollment, chosen)
    return render(
        request,
        "enablement/module.html",
        {
            "enrollment": enrollment,
            "module": chosen,
            "questions": list(chosen.questions.all()),
            "result": result,
            "mine": enrollment.user_id == request.user.pk,
            "may_sign_off": result is not None
            and result.status == ResultStatus.SUBMITTED
            and rules.may_sign_off(request.user, enrollment),
        },
    )


def _answer(request, enrollment, chosen):
    here = reverse("enablement:module", args=[enrollment.pk, chosen.pk])
    try:
        if chosen.kind == "theory":
            picked = {}
            for question in chosen.questions.all():
                values = request.POST.getlist(f"q{question.pk}")
                # the positions of the choices picked, from 0
                picked[question.pk] = [
                    n for n in map(parse_int, values) if n is not None and n >= 0
                ]
            result = services.quiz_submit(
                by=request.user, enrollment=enrollment, module=chosen, answers=picked
            )
            message = _("Quiz scored: %(score)s%% (pass mark %(mark)d%%).") % {
                "score": result.score_pct,
                "mark": chosen.pass_pct,
            }
        else:
            services.practice_submit(
                by=request.user,
                enrollment=enrollment,
                module=chosen,
                evidence=request.POST.get("evidence", ""),
            )
            message = _("Sent to your mentor.")
    except DomainError as error:
        flash_refusal(request, error)
    else:
        messages.success(request, message)
    return redirect(here)


@login_required
@require_POST
def sign_off(request, result_id: int):
    result = selectors.result_for(request.user, result_id)
    return act_then_redirect(
        request,
        lambda: services.practice_sign_off(
            by=request.user,
            result=result,
            passed=request.POST.get("passed") == "1",
            note=request.POST.get("note", ""),
        ),
        _("Signed off."),
        reverse("enablement:module", args=[result.enrollment_id, result.module_id]),
    )


@login_required
def roleplay_new(request):
    people = selectors.people_looked_after(request.user).exclude(pk=request.user.pk)
    scenarios = list(selectors.scenarios())
    if request.method == "POST":
        try:
            trainee = get_object_or_404(people, pk=request.POST.get("trainee") or 0)
            scenario = get_object_or_404(
                selectors.scenarios(), pk=request.POST.get("scenario") or 0
            )
            scores = {}
            for key, _label, _top in RUBRIC:
                raw = request.POST.get(f"score_{key}", "").strip()
                number = parse_int(raw)
                scores[key] = raw if number is None else number
            text = request.POST.get("transcript", "").strip()
            turns = transcript_turns(text) if text else None
            session = services.roleplay_record(
                by=request.user,
                scenario=scenario,
                trainee=trainee,
                scores=scores,
                notes=request.POST.get("notes", ""),
                turns=turns,
                trainee_speaker=request.POST.get("speaker", "").strip(),
            )
        except (DomainError, TranscriptError) as error:
            if isinstance(error, TranscriptError):
                error = DomainError("transcript", str(error), {"transcript": str(error)})
            flash_refusal(request, error)
        else:
            messages.success(
                request,
                _("Role-play scored %(pct)s%% for %(name)s.")
                % {"pct": session.total_pct, "name": session.trainee},
            )
            return redirect("enablement:home")
    return render(
        request,
        "enablement/roleplay_new.html",
        {
            "people": list(people),
            "scenarios": scenarios,
            "rubric": RUBRIC,
            "certifications": active_playbook().enablement.certifications,
            "stage_labels": _stage_labels(),
            "post": request.POST,
        },
    )


@login_required
def cases(request):
    get = request.GET
    found = case_search(
        request.user,
        q=parse_text(get.get("q"), 100),
        industry=parse_text(get.get("industry"), 100),
        product=parse_text(get.get("product"), 100),
        stage=parse_text(get.get("stage"), 32),
        objection=parse_text(get.get("objection"), 20),
    )
    return render(
        request,
        "enablement/cases.html",
        {
            "cases": found,
            "get": get,
            "stages": [
                (s.key, s.label.get(get_language() or "zh-hans")) for s in active_playbook().stages
            ],
            "categories": ObjectionCategory.choices,
        },
    )


@login_required
@require_POST
def case_new(request):
    # Through the visibility selector: a deal out of sight is a 404 like a missing one.
    deal = deal_for(request.user, request.POST.get("deal", ""))
    try:
        case = case_create(by=request.user, deal=deal)
    except DomainError as error:
        flash_refusal(request, error)
        return redirect("deals:detail", deal.pk)
    return redirect("enablement:case", case.pk)


@login_required
def case_detail(request, case_id: int):
    case = get_object_or_404(cases_visible_to(request.user), pk=case_id)
    if request.method == "POST":
        post = request.POST

        def action():
            if post.get("action") == "review":
                return case_review(
                    by=request.user,
                    case=case,
                    publish=post.get("publish") == "1",
                    note=post.get("note", ""),
                )
            return case_write(
                by=request.user,
                case=case,
                title=post.get("title", ""),
                decisive_moments=post.get("decisive_moments", ""),
                lessons=post.get("lessons", ""),
            )

        return act_then_redirect(
            request, action, _("Saved."), reverse("enablement:case", args=[case.pk])
        )
    return render(
        request,
        "enablement/case.html",
        {
            "case": case,
            "stage_labels": _stage_labels(),
            "categories": dict(ObjectionCategory.choices),
            "editable": rules.may_edit_case(request.user, case),
            "reviewing": case.status == "in_review" and rules.may_review_case(request.user, case),
        },
    )


@login_required
def ramp_page(request):
    return render(request, "enablement/ramp.html", {"rows": ramp(request.user)})


@login_required
def sessions(request):
    people = list(selectors.people_looked_after(request.user))
    if request.method == "POST":
        post = request.POST
        try:
            held = datetime.fromisoformat(post.get("held_at", ""))
        except ValueError:
            flash_refusal(
                request,
                DomainError("held_at", _("Give the date and time."), {"held_at": _("Required.")}),
            )
            return redirect("enablement:sessions")
        chosen = {n for n in map(parse_id, post.getlist("attendees")) if n is not None}
        return act_then_redirect(
            request,
            lambda: services.session_record(
                by=request.user,
                kind=post.get("kind", ""),
                title=post.get("title", ""),
                held_at=timezone.make_aware(held) if timezone.is_naive(held) else held,
                attendees=[p for p in people if p.pk in chosen],
                notes=post.get("notes", ""),
            ),
            _("Session recorded."),
            reverse("enablement:sessions"),
        )
    return render(
        request,
        "enablement/sessions.html",
        {
            "sessions": selectors.sessions_recent(),
            "people": people,
            "kinds": SessionKind.choices,
            "can_record": rules.trains(request.user),
        },
    )
