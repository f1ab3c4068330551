"""Feedback surveys: one-time links that expire, scores checked, a low score opening a
follow-up task for customer success."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.activities.models import Task
from salesop.aftersales.models import Survey
from salesop.aftersales.projects import milestone_done
from salesop.aftersales.surveys import survey_answer, survey_send
from salesop.aftersales.tickets import ticket_direction, ticket_open, ticket_resolve
from salesop.core.errors import DomainError
from tests.aftersales.test_services import delivery, win  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def resolved_ticket(org, people):
    project = win(org)
    ticket = ticket_open(
        account=project.account,
        project=project,
        by=people["csm"],
        channel="phone",
        severity="normal",
        title="报表慢",
        description="月报导出慢",
    )
    ticket_direction(ticket=ticket, by=people["tech"], direction="加索引")
    ticket_resolve(ticket=ticket, by=people["tech"])
    return ticket


def test_a_survey_link_answers_once(org, delivery):  # noqa: F811
    ticket = resolved_ticket(org, delivery)
    survey, token = survey_send(by=delivery["tech"], trigger="ticket", ticket=ticket)
    assert survey.project == ticket.project and survey.account == ticket.account
    survey_answer(token=token, nps=9, csat=5, comment="响应很快")
    survey.refresh_from_db()
    assert (survey.nps, survey.csat, survey.follow_up) == (9, 5, None)
    with pytest.raises(DomainError) as refused:
        survey_answer(token=token, nps=0, csat=1)
    assert refused.value.code == "survey_closed"
    survey.refresh_from_db()
    assert survey.nps == 9  # the first answer stands
    with pytest.raises(DomainError):
        survey_answer(token="made-up", nps=5, csat=3)


def test_an_expired_link_is_refused(org, delivery, time_machine):  # noqa: F811
    time_machine.move_to(timezone.now(), tick=False)
    ticket = resolved_ticket(org, delivery)
    _survey, token = survey_send(by=delivery["tech"], trigger="ticket", ticket=ticket)
    time_machine.shift(timedelta(days=15))
    with pytest.raises(DomainError) as refused:
        survey_answer(token=token, nps=8, csat=4)
    assert "expired" in refused.value.message or "过期" in refused.value.message


def test_scores_out_of_range_are_refused_by_field(org, delivery):  # noqa: F811
    ticket = resolved_ticket(org, delivery)
    _survey, token = survey_send(by=delivery["tech"], trigger="ticket", ticket=ticket)
    with pytest.raises(DomainError) as refused:
        survey_answer(token=token, nps=11, csat=True)
    assert set(refused.value.fields) == {"nps", "csat"}
    assert Survey.objects.get().answered_at is None


def test_a_low_score_opens_a_task_for_customer_success(org, delivery):  # noqa: F811
    project = win(org)
    milestone = project.milestones.get(key="deployment")
    milestone_done(milestone=milestone, by=delivery["pm"])
    survey, token = survey_send(by=delivery["pm"], trigger="milestone", milestone=milestone)
    survey_answer(token=token, nps=4, csat=3, comment="部署延期两天")
    task = Task.objects.get()
    assert task.assignee == delivery["csm"] and "NPS 4" in task.title
    assert task.notes == "部署延期两天" and task.account == project.account


def test_survey_page_is_public_and_single_use(client, org, delivery):  # noqa: F811
    ticket = resolved_ticket(org, delivery)
    _survey, token = survey_send(by=delivery["tech"], trigger="ticket", ticket=ticket)
    assert client.get(f"/support/survey/{token}/").status_code == 200
    bad = client.post(f"/support/survey/{token}/", {"nps": "", "csat": "3"})
    assert bad.status_code == 422
    done = client.post(f"/support/survey/{token}/", {"nps": "2", "csat": "1", "comment": "差"})
    assert 'data-testid="survey-thanks"' in done.content.decode()
    again = client.get(f"/support/survey/{token}/").content.decode()
    assert 'data-testid="survey-closed"' in again
    assert client.get("/support/survey/nope/").status_code == 404
    assert Task.objects.filter(assignee=delivery["csm"]).count() == 1


def test_a_survey_after_a_revisit(client, org, delivery):  # noqa: F811
    project = win(org)
    revisit = project.account.revisits.first()
    client.force_login(delivery["csm"])
    client.post(
        f"/delivery/revisits/{revisit.pk}/",
        {"form": "questionnaire", "product_experience": "整体满意"},
    )
    response = client.post("/delivery/surveys/send/", {"revisit": revisit.pk}, follow=True)
    assert "/support/survey/" in response.content.decode()
    survey = Survey.objects.get(trigger="revisit")
    assert survey.account == project.account
