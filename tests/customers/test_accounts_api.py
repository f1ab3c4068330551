"""Creating and editing companies through the API, and the errors bad input gets."""

import pytest

from salesop.customers.models import Account

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep_client(client, org):
    client.force_login(org.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def post(client, url, body, **kw):
    return client.post(url, body, content_type="application/json", **kw)


def test_create_sets_owner_and_team_from_the_caller(rep_client, org):
    response = post(
        rep_client, "/api/v1/accounts", {"name": "杭州智造科技股份有限公司", "tier": "key"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["username"] == "rep"
    assert body["team_id"] == org.shanghai.pk
    assert body["tier"] == "key"


def test_owner_cannot_be_written_through_the_body(rep_client, org):
    response = post(rep_client, "/api/v1/accounts", {"name": "X 公司", "owner_id": org.ops.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "owner_id"]
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "ok", "tier": "platinum"}, "tier"),
        ({"name": 12}, "name"),
        ({"industry": "制造业"}, "name"),
        ({"name": "ok", "website": "not a url"}, "website"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(rep_client, body, field):
    response = post(rep_client, "/api/v1/accounts", body)
    assert response.status_code == 422, response.content
    payload = response.json()
    assert payload["detail"]
    assert field in [e["loc"][-1] for e in payload["errors"]]
    assert not Account.objects.exists()


def test_malformed_json_is_a_clear_400(rep_client):
    response = rep_client.post("/api/v1/accounts", '{"name": "x",', content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert "line 1, column 14" in response.json()["detail"]
    assert not Account.objects.exists()


def test_errors_speak_the_callers_language(rep_client):
    response = rep_client.post(
        "/api/v1/accounts", "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "第 1 行" in response.json()["detail"]


def test_patch_changes_only_given_fields_and_is_audited(rep_client, org):
    account_id = post(
        rep_client, "/api/v1/accounts", {"name": "苏州精工", "region": "江苏"}
    ).json()["id"]
    response = rep_client.patch(
        f"/api/v1/accounts/{account_id}", {"industry": "制造业"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["region"] == "江苏"
    assert response.json()["industry"] == "制造业"
    page = rep_client.get(f"/customers/{account_id}/").content.decode()
    history = f"/history/customers.account/{account_id}/"
    assert 'id="audit"' in page and history in page  # the trail loads when opened
    trail = rep_client.get(history, HTTP_HX_REQUEST="true").content.decode()
    assert "changed" in trail and "— → 制造业" in trail
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(Account.objects.get(pk=account_id)).first()
    assert entry.actor == org.rep
    assert entry.changes_dict["industry"] == ["", "制造业"]


def test_patch_null_is_refused(rep_client):
    account_id = post(rep_client, "/api/v1/accounts", {"name": "苏州精工"}).json()["id"]
    response = rep_client.patch(
        f"/api/v1/accounts/{account_id}", {"name": None}, content_type="application/json"
    )
    assert response.status_code == 422
    assert Account.objects.get().name == "苏州精工"


def test_session_writes_need_csrf(org):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.rep)
    response = strict.post("/api/v1/accounts", {"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Account.objects.exists()


def test_keyset_pages_cover_every_row_once(rep_client, org):
    from salesop.core.testing import make_account

    for i in range(25):
        make_account(org.rep, f"公司 {i:02d}")
    # Same timestamp for several rows: the id tie-breaker keeps pages exact.
    Account.objects.filter(name__in=["公司 03", "公司 04", "公司 05"]).update(
        created_at=Account.objects.get(name="公司 10").created_at
    )
    seen, cursor = [], None
    while True:
        url = "/api/v1/accounts?page_size=7" + (f"&cursor={cursor}" if cursor else "")
        body = rep_client.get(url).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Account.objects.values_list("id", flat=True))
    assert len(seen) == len(set(seen)) == 25


def test_tampered_cursor_is_a_field_error(rep_client):
    response = rep_client.get("/api/v1/accounts?cursor=bm9wZQ==")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "cursor"
