"""The API describes itself fully: every operation named, every error it answers documented."""

import pytest

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
