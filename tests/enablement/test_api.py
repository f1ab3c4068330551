"""Training through the API: courses listed for who may see them, quiz answers scored and
refused the same way as on the pages, role-play scores checked against the rubric."""

import pytest

from .conftest import FULL, answers

pytestmark = pytest.mark.django_db


def test_courses_quiz_and_roleplay(client, org, negotiation_course):
    enrollment, quiz, questions, _practice, scenario = negotiation_course
    schema = client.get("/api/v1/openapi.json").json()
    assert (
        "/api/v1/enablement/enrollments/{enrollment_id}/modules/{module_id}/quiz"
        in (schema["paths"])
    )
    client.force_login(org.rep)
    listed = client.get("/api/v1/enablement/enrollments").json()
    assert listed[0]["course"] == "NEG-301" and len(listed[0]["modules"]) == 2
    url = f"/api/v1/enablement/enrollments/{enrollment.pk}/modules/{quiz.pk}/quiz"
    body = {"answers": {str(k): v for k, v in answers(questions).items()}}
    scored = client.post(url, body, content_type="application/json")
    assert scored.status_code == 200 and scored.json()["status"] == "passed"
    bad = client.post(url, {"answers": {"999999": [0]}}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "answers.999999"]
    client.force_login(org.outsider)
    assert client.post(url, body, content_type="application/json").status_code == 404
    client.force_login(org.manager)
    roleplay = {"scenario_id": scenario.pk, "trainee_id": org.rep.pk, "scores": FULL}
    made = client.post("/api/v1/enablement/roleplays", roleplay, content_type="application/json")
    assert made.status_code == 201 and made.json()["total_pct"] == "80.0"
    too_high = {**roleplay, "scores": {**FULL, "value": 6}}
    refused = client.post("/api/v1/enablement/roleplays", too_high, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "scores.value"]
    assert client.get("/api/v1/enablement/cases?objection=price").json() == []
