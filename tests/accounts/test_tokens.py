"""Personal API tokens: shown once, stored hashed, usable until they expire or are revoked."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from salesop.accounts.models import ApiToken
from salesop.accounts.services import api_token_create
from salesop.customers.models import Account

pytestmark = pytest.mark.django_db


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_token_created_in_the_ui_is_shown_once_and_stored_hashed(client, org):
    client.force_login(org.rep)
    page = client.post("/profile/tokens/", {"name": "ERP sync", "days": 30}).content.decode()
    token = ApiToken.objects.get(user=org.rep)
    raw = page.split('data-testid="token-secret">')[1].split("<")[0]
    assert raw.startswith("sop_")
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    again = client.get("/profile/tokens/").content.decode()
    assert raw not in again and token.prefix in again


def test_token_authenticates_api_and_attributes_changes(client, org):
    _, raw = api_token_create(user=org.rep, name="script")
    response = client.post(
        "/api/v1/accounts",
        {"name": "Contoso Retail"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 201, response.content
    assert Account.objects.get().owner == org.rep
    from auditlog.models import LogEntry

    account = Account.objects.get(pk=response.json()["id"])
    assert LogEntry.objects.get_for_object(account).get().actor == org.rep
    assert client.get("/api/v1/me", **bearer(raw)).json()["username"] == "rep"


def test_token_does_not_open_pages(client, org):
    _, raw = api_token_create(user=org.rep, name="script")
    response = client.get("/customers/", **bearer(raw))
    assert response.status_code == 302


def test_expired_token_is_refused_with_reason(client, org):
    _, raw = api_token_create(user=org.rep, name="short", days=1)
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_revoked_token_is_refused_with_reason(client, org):
    client.force_login(org.rep)
    created = client.post(
        "/api/v1/tokens", {"name": "ci", "days": 5}, content_type="application/json"
    ).json()
    assert client.delete(f"/api/v1/tokens/{created['id']}").json()["is_active"] is False
    client.logout()
    response = client.get("/api/v1/me", **bearer(created["token"]))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_unknown_token_and_deactivated_user_are_refused(client, org):
    assert client.get("/api/v1/me", **bearer("sop_nonsense")).status_code == 401
    _, raw = api_token_create(user=org.rep, name="x")
    org.rep.is_active = False
    org.rep.save()
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401


def test_cannot_revoke_someone_elses_token(client, org):
    token, _ = api_token_create(user=org.teammate, name="theirs")
    client.force_login(org.rep)
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 404
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "days": 0}, "days"),
        ({"name": "x", "days": "5"}, "days"),
        ({"name": "x", "days": False}, "days"),
        ({"name": ""}, "name"),
        ({"name": "x", "scope": "all"}, "scope"),
    ],
)
def test_bad_token_requests_name_the_field(client, org, body, field):
    client.force_login(org.rep)
    response = client.post("/api/v1/tokens", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == field
    assert not ApiToken.objects.exists()


def test_token_with_too_many_days_is_refused_in_the_form(client, org):
    client.force_login(org.rep)
    page = client.post("/profile/tokens/", {"name": "x", "days": 999}).content.decode()
    assert "invalid-feedback" in page
    assert not ApiToken.objects.exists()


def test_a_token_over_its_rate_gets_429_and_others_are_not_slowed(client, org, settings):
    settings.API_RATE_PER_MINUTE = 3
    _, busy = api_token_create(user=org.rep, name="busy script")
    _, other = api_token_create(user=org.teammate, name="other script")
    answers = [client.get("/api/v1/me", **bearer(busy)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/me", **bearer(busy))
    assert refused.status_code == 429 and "Too many requests" in refused.json()["detail"]
    assert client.get("/api/v1/me", **bearer(other)).status_code == 200
    # a sliding minute: the calls of the minute before weigh by how much of it is still within
    # the last 60 s, so the script is let in again once a whole minute holds none of them
    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        assert client.get("/api/v1/me", **bearer(busy)).status_code == 200
