"""The API as its OpenAPI document describes it, for the tests that walk every operation: the
operations, the smallest body and query each accepts, and one call made with them."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

_documents: list[dict] = []


def document(client: Client) -> dict:
    """The OpenAPI document as the API serves it, read once: building it takes seconds."""
    if not _documents:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200, response.status_code
        _documents.append(response.json())
    return _documents[0]


def operations(client: Client):
    """(path, method, operation, whole document) for every operation."""
    schema = document(client)
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op, schema


def resolve(node, schema):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def minimal(node, schema, depth=0):
    """The smallest value the schema accepts (required fields only), so a request passes
    validation and reaches the access check."""
    if "$ref" in node:
        return minimal(resolve(node, schema), schema, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            return minimal(options[0], schema, depth + 1)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        value = {k: minimal(props[k], schema, depth + 1) for k in node.get("required", [])}
        if node.get("minProperties") and isinstance(node.get("additionalProperties"), dict):
            value["x"] = minimal(node["additionalProperties"], schema, depth + 1)
        return value
    if kind == "array":
        return [minimal(node["items"], schema, depth + 1)] * node.get("minItems", 0)
    if kind in ("integer", "number"):
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    if "pattern" in node:  # a number, a month or a code written as a string
        for candidate in ("1", "2026-12", "CNY", "x"):
            if re.search(node["pattern"], candidate):
                return candidate
    if node.get("format") == "date":
        return "2026-12-01"
    if node.get("format") == "date-time":
        return "2026-12-01T10:00:00+08:00"
    return "x" * max(1, node.get("minLength", 1))


def json_schema(op) -> dict | None:
    content = op.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def form_schema(op, schema) -> dict | None:
    content = op.get("requestBody", {}).get("content", {})
    form = content.get("multipart/form-data")
    return resolve(form["schema"], schema) if form else None


def query(op, schema) -> str:
    """The operation's required query parameters, with the smallest values they accept."""
    required = [p for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
    return "&".join(f"{p['name']}={minimal(p['schema'], schema)}" for p in required)


def call(client, method, path, op, schema, body=None, extra_form=None):
    """One request to the operation with its smallest valid input (or `body`); an upload gets
    a small PDF for each required file, and `extra_form` fields beside it."""
    q = query(op, schema)
    url = f"{path}?{q}" if q else path
    form = form_schema(op, schema)
    if form is not None:
        fields = dict(extra_form or {})
        for name in form.get("required", []):
            prop = form["properties"][name]
            binary = prop.get("format") == "binary" or prop.get("type") == "array"
            fields[name] = (
                SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
                if binary
                else minimal(prop, schema)
            )
        return client.post(url, fields)
    node = json_schema(op)
    if body is None and node is not None:
        body = minimal(node, schema)
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")
