"""The reports through the API, described by its OpenAPI document: the same figures as the
pages, the caller's visibility, and refusals that name the parameter."""

import pytest

pytestmark = pytest.mark.django_db
OPERATIONS = {
    "insights_funnel",
    "insights_channels",
    "insights_grading",
    "insights_compliance",
    "insights_losses",
    "insights_review",
}


def test_the_operations_are_described(client):
    schema = client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for methods in schema["paths"].values() for op in methods.values()}
    assert OPERATIONS <= ids
    grading = schema["paths"]["/api/v1/insights/grading"]["get"]
    assert {"200", "401", "404", "422"} <= set(grading["responses"])
    assert {p["name"] for p in grading["parameters"]} >= {"month", "team_id", "owner_id"}


def test_figures_match_the_pages(client, org, october, loose_grading):
    client.force_login(org.manager)
    funnel = client.get("/api/v1/insights/funnel?month=2026-10").json()
    assert funnel["steps"][-1]["key"] == "won" and funnel["start"] == "2026-10-01"
    grading = client.get("/api/v1/insights/grading?month=2026-10").json()
    assert (grading["verdict"], grading["proposed_a"], grading["proposed_b"]) == (
        "too_loose",
        85,
        50,
    )
    review = client.get("/api/v1/insights/review?month=2026-10").json()
    assert review["bottleneck_stage"] == "solution" and review["grading_verdict"] == "too_loose"
    assert review["proposals"][0]["changes_playbook"] is True
    compliance = client.get("/api/v1/insights/compliance?month=2026-10").json()
    assert {p["name"] for p in compliance["people"]} >= {"张伟"}
    for name in ("channels", "losses"):
        assert client.get(f"/api/v1/insights/{name}?month=2026-10").status_code == 200


def test_refusals(client, org):
    assert client.get("/api/v1/insights/funnel").status_code == 401
    client.force_login(org.rep)
    bad = client.get("/api/v1/insights/funnel?month=10-2026")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "month"]
    future = client.get("/api/v1/insights/review?month=2099-01")
    assert future.status_code == 422 and "2099-01" in future.json()["errors"][0]["msg"]
    assert client.get(f"/api/v1/insights/funnel?team_id={org.north.pk}").status_code == 404
    assert client.get(f"/api/v1/insights/compliance?owner_id={org.teammate.pk}").status_code == 404
    empty = client.get("/api/v1/insights/funnel?month=2026-03").json()
    assert all(s["count"] == 0 and s["step_rate"] is None for s in empty["steps"])


def test_a_month_before_1970_is_refused_not_a_server_error(client, org):
    # The review compares with the months and the year before: year 1 has none (the date
    # arithmetic raised, 500), and year 0 is no date at all.
    client.force_login(org.ops)
    for month in ("0000-05", "0001-01", "0001-04"):
        refused = client.get(f"/api/v1/insights/review?month={month}")
        assert refused.status_code == 422, month
        assert refused.json()["errors"][0]["loc"] == ["query", "month"]
        assert month in refused.json()["errors"][0]["msg"]
        page = client.get(f"/insights/review/?month={month}")
        assert page.status_code == 200 and month in page.content.decode()
    assert client.get("/api/v1/insights/funnel?month=1970-01").status_code == 200


def test_the_last_month_of_year_9999_is_in_the_future_not_a_server_error(client, org):
    # Its month has no following day to end on: building it raised before the future check.
    client.force_login(org.ops)
    for path in ("review", "funnel", "channels", "compliance", "losses", "grading"):
        refused = client.get(f"/api/v1/insights/{path}?month=9999-12")
        assert refused.status_code == 422, path
        assert "9999-12" in refused.json()["errors"][0]["msg"]
    for path in ("", "review/", "channels/", "compliance/", "losses/", "grading/"):
        page = client.get(f"/insights/{path}?month=9999-12")
        assert page.status_code == 200 and "9999-12" in page.content.decode(), path
