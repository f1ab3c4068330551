"""Every error under /api/ answers the documented body, {"detail", "code", "errors"} as JSON:
those the API's handlers raise and those Django answers itself (a server error, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a path no operation has, a method a path does
not take, a failed CSRF check). Pages keep their HTML."""

import logging

import pytest
from django.db import connection
from django.test import Client

from salesop.accounts.services import api_token_create
from salesop.leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(org):
    """The rep's API client: a personal token, as scripts call the API."""
    _token, secret = api_token_create(user=org.rep, name="script")
    return Client(
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="en",
        raise_request_exception=False,
    )


def documented(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}, body
    assert body["code"] == code and body["detail"], body
    assert all(set(e) == {"loc", "msg"} for e in body["errors"]), body
    return body


def test_a_server_error_answers_the_documented_body_and_is_logged(api, caplog):
    # A real failure of the database under a real operation: the leads table gone (inside
    # the test's transaction, rolled back after it; both SQLite and PostgreSQL roll back DDL).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE leads_lead RENAME TO leads_lead_gone")
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api.get("/api/v1/leads")
    body = documented(response, 500, "server_error")
    assert "leads_lead" not in body["detail"]  # no internals told to the caller
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and "leads_lead" in str(logged[0].exc_info[1])  # the administrator's copy


def test_a_body_over_the_upload_limit_answers_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = {"company_name": "宁波港通国际贸易有限公司", "channel_id": 1, "notes": "很长" * 2000}
    response = api.post("/api/v1/leads", body, content_type="application/json")
    body = documented(response, 413, "too_large")
    assert "2 KB" in body["detail"] and body["errors"][0]["loc"] == ["body"]
    assert not Lead.objects.exists()


def test_a_form_with_too_many_fields_answers_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"field{i}": "x" for i in range(20)}
    body = documented(api.post("/api/v1/contracts/999999/sign", fields), 400, "too_many_fields")
    assert "10" in body["detail"] and body["errors"][0]["loc"] == ["body"]


def test_a_path_no_operation_has_answers_404(api):
    for method in ("get", "post", "delete"):
        body = documented(getattr(api, method)("/api/v1/no-such-thing"), 404, "not_found")
        assert "/api/v1/no-such-thing" in body["detail"]
    documented(Client().get("/api/v1/no-such-thing"), 404, "not_found")  # anonymous alike
    documented(api.get("/api/v2/leads"), 404, "not_found")


def test_a_method_a_path_does_not_take_answers_405_naming_those_it_takes(api):
    response = api.delete("/api/v1/leads")
    body = documented(response, 405, "method_not_allowed")
    assert "DELETE" in body["detail"] and "GET" in body["detail"] and "POST" in body["detail"]
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_a_browser_write_without_its_csrf_token_answers_403(org):
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(org.rep)
    response = browser.post(
        "/api/v1/leads", {"company_name": "x", "channel_id": 1}, content_type="application/json"
    )
    body = documented(response, 403, "csrf_failed")
    assert "X-CSRFToken" in body["detail"]
    assert not Lead.objects.exists()


def test_pages_keep_their_html(org, settings):
    browser = Client(raise_request_exception=False)
    browser.force_login(org.rep)
    missing = browser.get("/no-such-page/")
    assert missing.status_code == 404 and missing["Content-Type"].startswith("text/html")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    too_large = browser.post("/leads/new/", {"company_name": "x", "notes": "很长" * 2000})
    assert too_large.status_code == 413 and too_large["Content-Type"].startswith("text/html")
