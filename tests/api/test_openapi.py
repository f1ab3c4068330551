"""The API describes itself fully: every operation named, every error it answers documented."""

import re
from decimal import Decimal

import pytest

from salesop.core.testing import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def test_every_operation_has_an_id_and_documents_auth_errors(schema):
    ids = []
    for path, method, op in operations(schema):
        ids.append(op["operationId"])
        assert "401" in op["responses"], (method, path)
        if "{" in path:
            assert "404" in op["responses"], (method, path)
        if method in {"post", "patch", "put", "delete"} or op.get("parameters"):
            assert "422" in op["responses"], (method, path)
    assert len(ids) == len(set(ids))
    assert {"me_get", "tokens_create", "accounts_list", "accounts_update"} <= set(ids)


def test_both_auth_schemes_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_docs_page_loads_without_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert 'src="http' not in page and 'href="http' not in page  # every asset is served here
    assert "jsdelivr" not in page and "unpkg" not in page


def test_invalid_query_date_names_the_parameter(client, org):
    client.force_login(org.rep)
    response = client.get("/api/v1/accounts?created_after=2024-13-45")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "created_after"]


def test_schema_errors_are_in_the_readers_language(client, org):
    """pydantic speaks English only: each refusal reaches a Chinese reader in Chinese, and an
    English one in plain English, with where it is."""
    client.force_login(org.rep)
    body = {"company_name": "", "channel_id": "x", "colour": "red", "employee_band": "huge"}
    said = {}
    for language in ("zh-hans", "en"):
        response = client.post(
            "/api/v1/leads", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 422
        said[language] = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert said["en"][("body", "company_name")] == "This field cannot be empty."
    assert said["en"][("body", "colour")] == "This field is not accepted here."
    assert said["en"][("body", "channel_id")] == "Enter a whole number."
    assert said["en"][("body", "employee_band")].startswith("Choose one of")
    assert said["zh-hans"][("body", "colour")] == "不接受此字段。"
    assert not any(re.search("[A-Za-z]{4}", msg) for msg in said["zh-hans"].values()), said


def test_a_leads_employee_band_can_be_cleared(client, org):
    from salesop.core.testing import make_lead

    lead = make_lead(org.rep, employee_band="200-999")
    client.force_login(org.rep)
    for cleared in ("", None):
        response = client.patch(
            f"/api/v1/leads/{lead.pk}", {"employee_band": cleared}, content_type="application/json"
        )
        assert response.status_code == 200, response.json()
        lead.refresh_from_db()
        assert lead.employee_band == ""
        lead.employee_band = "200-999"
        lead.save()
    refused = client.patch(
        f"/api/v1/leads/{lead.pk}", {"employee_band": 5}, content_type="application/json"
    )
    (error,) = refused.json()["errors"]
    assert error["loc"] == ["body", "employee_band"] and "200-999" in error["msg"], error


def _inputs(schema):
    """Every schema a request can carry (parameters and bodies), with where it sits."""
    components = schema["components"]["schemas"]

    def walk(node, where):
        if "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        yield where, node
        for key in ("anyOf", "oneOf", "allOf"):
            for part in node.get(key, []):
                yield from walk(part, where)
        if "items" in node:
            yield from walk(node["items"], f"{where}[]")
        for name, part in node.get("properties", {}).items():
            yield from walk(part, f"{where}.{name}")

    for path, method, op in operations(schema):
        for parameter in op.get("parameters", []):
            yield from walk(parameter["schema"], f"{method} {path} {parameter['name']}")
        for content in op.get("requestBody", {}).get("content", {}).values():
            yield from walk(content["schema"], f"{method} {path} body")


def test_every_number_the_api_takes_says_its_range(schema):
    """A client (or a fuzzer) can tell a valid number from the schema alone: every number has
    both bounds (ids fit a database column); money and other decimals are a patterned string
    or an integer, never a float."""
    unbounded = [
        where
        for where, node in _inputs(schema)
        if node.get("type") in {"integer", "number"} and not {"minimum", "maximum"} <= node.keys()
    ]
    assert unbounded == []


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ({"name": "x", "days": 30.0}, True),  # JSON has one number type: 30.0 is 30
        ({"name": "x", "days": 30.5}, False),
        ({"name": "x", "days": "30"}, False),
        ({"name": "x", "days": True}, False),
        ({"name": "x", "days": 2**64}, False),
    ],
)
def test_integers_are_whole_numbers_not_text(client, org, body, accepted):
    client.force_login(org.rep)
    response = client.post("/api/v1/tokens", body, content_type="application/json")
    assert (response.status_code == 201) is accepted, response.json()
    if not accepted:
        assert response.json()["errors"][0]["loc"] == ["body", "days"]


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [("1234.50", True), (1234, True), (1234.5, False), ("1e3", False), ("12.345", False)],
)
def test_money_is_text_or_a_whole_number(client, org, amount, accepted):
    """A float cannot carry money exactly, and "1e3" is not how anyone writes an amount."""
    client.force_login(org.rep)
    deal = make_deal(org.rep)
    response = client.patch(
        f"/api/v1/deals/{deal.pk}", {"amount": amount}, content_type="application/json"
    )
    assert (response.status_code == 200) is accepted, response.json()
    deal.refresh_from_db()
    if accepted:
        assert deal.amount == Decimal(str(amount))
    else:
        assert response.json()["errors"][0]["loc"] == ["body", "amount"]
        assert deal.version == 1


def test_text_with_a_nul_character_is_refused_where_it_is(client, org):
    """PostgreSQL cannot store a NUL character: say so and where, on both databases."""
    client.force_login(org.rep)
    response = client.post(
        "/api/v1/accounts",
        {"name": "北京\x00科技", "industry": "制造"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "nul_character"
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    listed = client.get("/api/v1/deals", {"q": "a\x00"})
    assert listed.status_code == 422 and listed.json()["errors"][0]["loc"] == ["query", "q"]


def _schema_classes(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schema_classes(sub)


def test_every_schema_has_its_own_name():
    """The OpenAPI document names each schema by its class: two classes of one name would
    make one operation describe the other's body or answer."""
    from ninja import Schema

    import salesop.api  # noqa: F401  (every router's schemas)

    names = [c.__name__ for c in _schema_classes(Schema) if c.__module__.startswith("salesop.")]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_a_time_with_any_offset_json_allows_is_kept_as_its_instant(client, org):
    """RFC 3339 allows offsets up to ±23:59; PostgreSQL refused beyond ±15:59 (a 500)."""
    client.force_login(org.rep)
    response = client.post(
        "/api/v1/tasks",
        {"title": "回访", "due_at": "2030-09-16T18:53:46+19:23"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["due_at"] == "2030-09-15T23:30:46Z"
