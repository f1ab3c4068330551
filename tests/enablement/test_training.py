"""Training tied to the playbook: quizzes scored, practice signed off by the mentor, role-plays
scored on the SOP's steps, certification granted, required at a stage gate (a manager's
override is the recorded co-sign), and lapsing when the playbook changes the stage."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.core.errors import DomainError
from salesop.core.testing import make_deal, make_user, tick_stage
from salesop.deals.models import StageEvent
from salesop.deals.services import GateRefused, deal_move
from salesop.enablement.models import (
    Course,
    Enrollment,
    ModuleResult,
)
from salesop.enablement.services import (
    practice_sign_off,
    practice_submit,
    quiz_submit,
    roleplay_record,
    valid_certification,
)
from salesop.playbook.services import playbook_activate, playbook_draft

from .conftest import FULL, answers

pytestmark = pytest.mark.django_db


def test_quiz_scoring_and_retake(org, negotiation_course):
    enrollment, quiz, questions, _practice, _scenario = negotiation_course
    first = quiz_submit(
        by=org.rep,
        enrollment=enrollment,
        module=quiz,
        answers=answers(questions, {questions[0].pk}),
    )
    assert (first.status, str(first.score_pct), first.attempts) == ("failed", "75.0", 1)
    # A multiple-choice question counts only with exactly its right choices.
    partial = {**answers(questions), questions[0].pk: [0, 1]}
    assert quiz_submit(by=org.rep, enrollment=enrollment, module=quiz, answers=partial).status == (
        "failed"
    )
    again = quiz_submit(by=org.rep, enrollment=enrollment, module=quiz, answers=answers(questions))
    assert (again.status, str(again.score_pct), again.attempts) == ("passed", "100.0", 3)


def test_quiz_refusals_keep_nothing(org, negotiation_course):
    enrollment, quiz, questions, _practice, _scenario = negotiation_course
    with pytest.raises(DomainError) as other:
        quiz_submit(by=org.teammate, enrollment=enrollment, module=quiz, answers=answers(questions))
    assert other.value.code == "not_yours"
    with pytest.raises(DomainError) as unknown:
        quiz_submit(by=org.rep, enrollment=enrollment, module=quiz, answers={999999: [0]})
    assert "answers.999999" in unknown.value.fields
    with pytest.raises(DomainError) as choice:
        quiz_submit(by=org.rep, enrollment=enrollment, module=quiz, answers={questions[1].pk: [7]})
    assert choice.value.code == "unknown_choice"
    Enrollment.objects.filter(pk=enrollment.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    enrollment.refresh_from_db()
    with pytest.raises(DomainError) as late:
        quiz_submit(by=org.rep, enrollment=enrollment, module=quiz, answers=answers(questions))
    assert late.value.code == "past_due"
    assert not ModuleResult.objects.exists()


def test_mentor_signs_off_practice(org, negotiation_course):
    enrollment, _quiz, _questions, practice, _scenario = negotiation_course
    result = practice_submit(
        by=org.rep, enrollment=enrollment, module=practice, evidence="为上海云仓做了三轮报价演练"
    )
    with pytest.raises(DomainError) as stranger:
        practice_sign_off(by=org.outsider, result=result, passed=True)
    assert stranger.value.code == "not_mentor"
    with pytest.raises(DomainError):
        practice_sign_off(by=org.teammate, result=result, passed=False)  # no note
    practice_sign_off(by=org.teammate, result=result, passed=True, note="让步换承诺,做得好")
    result.refresh_from_db()
    assert (result.status, result.signed_off_by) == ("passed", org.teammate)


def test_roleplay_scores_stay_within_the_rubric(org, negotiation_course):
    *_rest, scenario = negotiation_course
    with pytest.raises(DomainError) as too_high:
        roleplay_record(
            by=org.manager, scenario=scenario, trainee=org.rep, scores={**FULL, "recap": 9}
        )
    assert too_high.value.code == "score_range" and "scores.recap" in too_high.value.fields
    with pytest.raises(DomainError) as own:
        roleplay_record(by=org.rep, scenario=scenario, trainee=org.rep, scores=FULL)
    assert own.value.code == "self"
    turns = [
        ("客户", "你们的价格比竞品高"),
        ("张伟", "理解您的顾虑。您最看重哪些方面?"),
        ("客户", "实施周期和售后"),
    ]
    session = roleplay_record(
        by=org.manager,
        scenario=scenario,
        trainee=org.rep,
        scores=FULL,
        turns=turns,
        trainee_speaker="张伟",
    )
    assert str(session.total_pct) == "80.0" and session.open_questions == 1
    assert session.rep_share_pct is not None


def certified(org, negotiation_course):
    enrollment, quiz, questions, practice, scenario = negotiation_course
    quiz_submit(by=org.rep, enrollment=enrollment, module=quiz, answers=answers(questions))
    result = practice_submit(by=org.rep, enrollment=enrollment, module=practice, evidence="done")
    practice_sign_off(by=org.teammate, result=result, passed=True)
    assert valid_certification(org.rep, "negotiation") is None  # no role-play yet
    roleplay_record(by=org.manager, scenario=scenario, trainee=org.rep, scores=FULL)  # 80 >= 75
    return valid_certification(org.rep, "negotiation")


def require_certification(by):
    version = playbook_draft(
        changes={
            ("stages", "solution", "exit_criteria"): [
                "checklist.complete",
                "deal.amount_set",
                "stakeholders.decision_maker_identified",
                "proposal.delivered",
                "enablement.owner_certified",
            ]
        },
        by=by,
        comment="negotiation needs certification",
    )
    return playbook_activate(version=version, by=by)


def test_the_gate_needs_certification_or_a_managers_co_sign(org, negotiation_course):
    require_certification(org.ops)
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    tick_stage(deal, org.rep)
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="negotiation", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == ["enablement.owner_certified"]
    deal_move(deal=deal, to_stage="negotiation", by=org.manager, override_reason="我来把关")
    event = StageEvent.objects.get(deal=deal, to_stage="negotiation")
    assert event.override_reason == "我来把关"
    assert event.unmet[0]["criterion"] == "enablement.owner_certified"
    # Once certified, the rep moves the next deal alone.
    assert certified(org, negotiation_course) is not None
    other = make_deal(org.rep, name="第二个商机")
    tick_stage(other, org.rep)
    deal_move(deal=other, to_stage="solution", by=org.rep)
    tick_stage(other, org.rep)
    deal_move(deal=other, to_stage="negotiation", by=org.rep)


def test_certification_lapses_when_the_stage_changes_materially(org, negotiation_course):
    cert = certified(org, negotiation_course)
    wording = playbook_draft(
        changes={("stages", "negotiation", "label", "en"): "Negotiation and closing"},
        by=org.ops,
        comment="wording",
    )
    playbook_activate(version=wording, by=org.ops)
    cert.refresh_from_db()
    assert cert.lapsed_at is None and cert.playbook_version == wording
    stricter = playbook_draft(
        changes={
            ("enablement", "certifications"): [
                {"stage": "discovery", "course": "DISC-201", "roleplay_min": 70},
                {"stage": "negotiation", "course": "NEG-301", "roleplay_min": 85},
            ]
        },
        by=org.ops,
        comment="stricter role-play",
    )
    playbook_activate(version=stricter, by=org.ops)
    cert.refresh_from_db()
    assert cert.lapsed_at is not None and str(stricter.number) in cert.lapsed_reason
    assert valid_certification(org.rep, "negotiation") is None
    *_rest, scenario = negotiation_course
    strong = {key: 5 for key in FULL} | {"value": 4}  # 96%
    roleplay_record(by=org.manager, scenario=scenario, trainee=org.rep, scores=strong)
    renewed = valid_certification(org.rep, "negotiation")
    assert renewed is not None and renewed.playbook_version == stricter


def test_a_new_hire_is_enrolled_with_a_senior_rep_as_mentor(org):
    Course.objects.create(code="SOP-101", title="销售 SOP 入门")
    Course.objects.create(code="DISC-201", title="需求挖掘", stage="discovery")
    hire = make_user("newbie", team=org.rep.team, full_name="新人小王")
    enrolled = {e.course.code: e for e in Enrollment.objects.filter(user=hire)}
    assert set(enrolled) == {"SOP-101", "DISC-201"}  # NEG-301 does not exist yet
    first = enrolled["SOP-101"]
    assert first.mentor == org.rep  # the longest-serving rep of the team
    assert first.due_on == timezone.localdate() + timedelta(days=90)
