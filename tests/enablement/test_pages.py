"""The training pages: a rep takes a module's quiz, the mentor signs off the practice task, a
manager scores a role-play; other people's courses answer 404; bad scores are refused."""

import pytest

from salesop.core.testing import admin_login
from salesop.enablement.models import ModuleResult, RolePlaySession
from salesop.enablement.services import valid_certification

from .conftest import FULL, answers

pytestmark = pytest.mark.django_db


def test_rep_takes_the_quiz_and_the_mentor_signs_off(client, org, negotiation_course):
    enrollment, quiz, questions, practice, _scenario = negotiation_course
    client.force_login(org.rep)
    home = client.get("/enablement/").content.decode()
    assert 'data-testid="course-NEG-301"' in home and "0/2" in home
    url = f"/enablement/{enrollment.pk}/modules/{quiz.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="quiz"' in page and questions[0].text in page
    body = {f"q{pk}": [str(c) for c in picked] for pk, picked in answers(questions).items()}
    client.post(url, body)
    assert ModuleResult.objects.get(module=quiz).status == "passed"
    client.post(f"/enablement/{enrollment.pk}/modules/{practice.pk}/", {"evidence": "三轮报价"})
    result = ModuleResult.objects.get(module=practice)
    client.force_login(org.teammate)  # the mentor
    assert 'data-testid="waiting"' in client.get("/enablement/").content.decode()
    client.post(f"/enablement/results/{result.pk}/sign-off/", {"passed": "1", "note": "好"})
    result.refresh_from_db()
    assert result.status == "passed"


def test_other_peoples_courses_are_404(client, org, negotiation_course):
    enrollment, quiz, *_rest = negotiation_course
    client.force_login(org.outsider)
    assert client.get(f"/enablement/{enrollment.pk}/modules/{quiz.pk}/").status_code == 404


def test_manager_scores_a_roleplay_and_bad_scores_are_refused(client, org, negotiation_course):
    *_rest, scenario = negotiation_course
    client.force_login(org.manager)
    form = {"trainee": org.rep.pk, "scenario": scenario.pk}
    bad = client.post(
        "/enablement/roleplays/new/",
        {**form, **{f"score_{k}": v for k, v in FULL.items()}, "score_recap": "12"},
        follow=True,
    )
    assert "0" in bad.content.decode() and not RolePlaySession.objects.exists()
    client.post(
        "/enablement/roleplays/new/",
        {**form, **{f"score_{k}": v for k, v in FULL.items()}, "notes": "异议处理到位"},
    )
    session = RolePlaySession.objects.get()
    assert str(session.total_pct) == "80.0" and session.evaluator == org.manager
    assert valid_certification(org.rep, "negotiation") is None  # course not passed yet


def test_case_library_sessions_and_ramp_pages(client, org):
    from salesop.core.testing import make_deal
    from salesop.deals.models import Deal
    from salesop.enablement.models import Case, TrainingSession

    deal = make_deal(org.rep, name="输掉的 MES 项目")
    Deal.objects.filter(pk=deal.pk).update(status="lost", stage="lost")
    client.force_login(org.rep)
    assert 'data-testid="write-case"' in client.get(f"/deals/{deal.pk}/").content.decode()
    created = client.post("/enablement/cases/new/", {"deal": deal.pk})
    case = Case.objects.get()
    assert created["Location"] == f"/enablement/cases/{case.pk}/"
    client.post(f"/enablement/cases/{case.pk}/", {"title": "MES 输单复盘", "lessons": "太晚接触IT"})
    client.force_login(org.manager)
    client.post(f"/enablement/cases/{case.pk}/", {"action": "review", "publish": "1"})
    client.force_login(org.outsider)
    found = client.get("/enablement/cases/?q=IT").content.decode()
    assert "MES 输单复盘" in found
    client.force_login(org.manager)
    refused = client.post("/enablement/sessions/", {"kind": "workshop", "title": ""}, follow=True)
    assert not TrainingSession.objects.exists() and refused.status_code == 200
    client.post(
        "/enablement/sessions/",
        {
            "kind": "workshop",
            "title": "谈判工作坊",
            "held_at": "2026-11-20T14:00",
            "attendees": [org.rep.pk, org.teammate.pk],
        },
    )
    session = TrainingSession.objects.get()
    assert set(session.attendees.values_list("username", flat=True)) == {"rep", "teammate"}
    assert client.get("/enablement/ramp/").status_code == 200


def test_sales_ops_author_courses_and_scenarios_in_the_admin(client, org, negotiation_course):
    _enrollment, quiz, *_rest = negotiation_course
    admin_login(client, org.ops)
    for url in (
        "/admin/enablement/course/",
        f"/admin/enablement/course/{quiz.course_id}/change/",
        f"/admin/enablement/module/{quiz.pk}/change/",
        "/admin/enablement/roleplayscenario/add/",
    ):
        assert client.get(url).status_code == 200, url


def test_a_mentor_who_does_not_train_is_not_offered_to_record_a_session(
    client, org, negotiation_course
):
    # A mentor scores their mentee's role-plays but does not record sessions: the page
    # offered them the form the service refused.
    client.force_login(org.teammate)  # the rep's mentor, a rep
    page = client.get("/enablement/sessions/").content.decode()
    assert 'name="title"' not in page
    client.force_login(org.manager)
    assert 'name="title"' in client.get("/enablement/sessions/").content.decode()
