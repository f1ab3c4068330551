"""Protected fields, generated from the request schemas of the OpenAPI document: no body writes
a record's owner, team, approval decision, status or stage, nor a discount beyond the role's
cap, except through the one operation made for it, with its own check. Every writable
operation (POST, PUT, PATCH) is sent each protected field it does not declare, at every level
of its body: it answers 422 naming the field, or (an upload's form, which takes no field but
its file) leaves the value unwritten. A protected field an operation declares must be
classified in DECLARED with the test proving its check; a new one fails here until it is."""

import re

import pytest
from auditlog.models import LogEntry
from django.apps import apps

from salesop.accounts.models import User
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Approval, PricePolicy, Quote

from .openapi import call, document, json_schema, minimal, operations, resolve
from .test_access_matrix import _foreign_world, _snapshot

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch")
# The names a body could carry to set who owns a record, who decided it, its state or its
# price; and a value for each, unlike what any operation sets on its own.
PROTECTED = {
    "owner": "x",
    "owner_id": 1,
    "assignee_id": 1,
    "team": "x",
    "team_id": 1,
    "shared_with": [1],
    "created_by": 1,
    "approve": True,
    "approved": True,
    "approved_by": 1,
    "approved_by_id": 1,
    "approved_at": "2026-01-01T00:00:00+08:00",
    "decided_by": 1,
    "decided_at": "2026-01-01T00:00:00+08:00",
    "decision": "approved",
    "verdict": "accept",
    "status": "cancelled",
    "stage": "contracting",
    "to_stage": "contracting",
    "won": True,
    "lost": True,
    "signed": True,
    "resolved": True,
    "closed_at": "2026-01-01T00:00:00+08:00",
    "signed_at": "2026-01-01T00:00:00+08:00",
    "resolved_at": "2026-01-01T00:00:00+08:00",
    "grade": "A",
    "discount_pct": "99",
    "discount": "99",
    "version": 99,
}
# (operation, field as a path in its body): why the operation may take it, and the test below
# that proves the check it goes through.
DECLARED = {
    ("deals_move", "to_stage"): "the move itself, through the stage's gate: "
    "test_a_stage_changes_only_through_its_gate",
    ("deals_checklist_tick", "stage"): "names the checklist the item is on; the deal stays: "
    "test_a_stage_changes_only_through_its_gate",
    ("leads_assign", "owner_id"): "reassignment, a manager's or sales ops': "
    "test_only_a_manager_reassigns_a_lead",
    ("webhooks_create", "team_id"): "whose alerts a webhook carries, sales ops only: "
    "test_only_sales_ops_route_a_webhook",
    ("approvals_decide", "approve"): "the decision, by the named role, never one's own request: "
    "test_only_the_named_role_decides_an_approval",
    ("quotes_create", "lines[].discount_pct"): "routed by the price policy: "
    "test_a_discount_beyond_the_reps_cap_waits_for_approval_and_beyond_all_is_refused",
    ("quotes_revise", "lines[].discount_pct"): "routed by the price policy, as on creation: "
    "test_a_discount_beyond_the_reps_cap_waits_for_approval_and_beyond_all_is_refused",
    ("contracts_review", "approve"): "legal's decision, never on their own contract: "
    "test_only_legal_decides_a_contract_review",
    ("contracts_review", "decisions[].verdict"): "legal's verdict per clause, as above: "
    "test_only_legal_decides_a_contract_review",
    ("growth_set", "stage"): "the customer's lifecycle stage is what the operation sets, for "
    "whoever may see the customer (the access matrix); no deal's stage",
    ("deal_objections_create", "resolved"): "whether the objection was answered: the "
    "operation's own record, on a deal the caller may see (the access matrix)",
    ("deal_objections_resolve", "resolved"): "as above",
}


def _fields(node, schema, prefix=""):
    """Every property path of a body schema: `lines[].discount_pct` for a list's items."""
    node = resolve(node, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from _fields(option, schema, prefix)
    if node.get("type") == "array" and "items" in node:
        yield from _fields(node["items"], schema, prefix + "[]")
    for name, prop in node.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        yield path
        yield from _fields(prop, schema, path)


def _writes(client):
    for path, method, op, schema in operations(client):
        if method in WRITES:
            yield path, method, op, schema


def _body_schema(op, schema):
    node = json_schema(op)
    if node is None:
        form = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
        node = form["schema"] if form else None
    return node


def test_every_protected_field_a_body_takes_is_classified(client):
    found = set()
    for _path, _method, op, schema in _writes(client):
        node = _body_schema(op, schema)
        if node is None:
            continue
        for field in set(_fields(node, schema)):
            if field.rsplit(".", 1)[-1] in PROTECTED:
                found.add((op["operationId"], field))
    unclassified = sorted(found - set(DECLARED))
    assert unclassified == [], f"classify in DECLARED, with the test of its check: {unclassified}"
    assert sorted(set(DECLARED) - found) == [], "DECLARED names fields no body takes any more"


def _inject(body, node, schema, where="") -> list[str]:
    """Adds to `body` (in place) each protected field its schema does not declare, at this
    level and in the objects and first list items below it; returns their paths as an error
    names them (`lines.0.status`). A map (clause texts by key) has no fields to add."""
    node = resolve(node, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in node.get(key, []) if o.get("type") != "null"]
        if options:
            return _inject(body, options[0], schema, where)
    added = []
    if isinstance(body, list) and body and "items" in node:
        return _inject(body[0], node["items"], schema, f"{where}0.")
    if not isinstance(body, dict) or isinstance(node.get("additionalProperties"), dict):
        return added
    props = node.get("properties", {})
    for name, value in PROTECTED.items():
        if name not in props:
            body[name] = value
            added.append(f"{where}{name}")
    for name, prop in props.items():
        if name in body:
            added += _inject(body[name], prop, schema, f"{where}{name}.")
    return added


def _named(response) -> set[str]:
    """The body fields a 422 names, as `lines.0.discount_pct` (a service writes
    `lines[0].discount_pct`)."""
    errors = response.json().get("errors", [])
    names = {".".join(str(p) for p in e["loc"][1:]) for e in errors if e["loc"][:1] == ["body"]}
    return {re.sub(r"\[(\d+)\]", r".\1", name) for name in names}


@pytest.fixture
def world(demo_company):
    users = {u.username: u for u in User.objects.all()}
    return users, _foreign_world(users["emily"])


def test_bodies_refuse_the_protected_fields_they_do_not_declare(client, world):
    users, foreign = world
    client.force_login(users["ops"])  # sees every record: only the body can stop the call
    before, audit = _snapshot(foreign.records), LogEntry.objects.count()
    checked, wrong = 0, []
    for path, method, op, schema in _writes(client):
        node = json_schema(op)
        if node is None:
            continue  # no body, or an upload: see the next test
        body = minimal(node, schema)
        injected = _inject(body, node, schema)
        url = path.format(**foreign.ids)
        response = call(client, method, url, op, schema, body)
        checked += 1
        if response.status_code != 422:
            wrong.append(f"{method.upper()} {path} took {injected}: {response.status_code}")
        elif missing := set(injected) - _named(response):
            wrong.append(f"{method.upper()} {path}: 422 without naming {sorted(missing)}")
    assert wrong == [], "\n".join(wrong)
    assert checked >= 70
    assert _snapshot(foreign.records) == before and LogEntry.objects.count() == audit


# Which record an upload's path names, to read its fields back.
PATH_MODELS = {"contract_id": "contracts.Contract", "deal_id": "deals.Deal"}


def test_an_uploads_form_leaves_protected_fields_unwritten(client, world):
    users, _foreign = world
    client.force_login(users["ops"])
    contract = apps.get_model("contracts", "Contract").objects.get(status="sent")
    form = {**PROTECTED, "owner_id": users["emily"].pk, "shared_with": users["emily"].pk}
    checked = 0
    for path, method, op, schema in _writes(client):
        if json_schema(op) is not None or _body_schema(op, schema) is None:
            continue
        records = [contract, contract.deal]
        before = [type(r).objects.get(pk=r.pk) for r in records]
        response = call(
            client, method, path.format(contract_id=contract.pk), op, schema, None, form
        )
        assert response.status_code < 500, (path, response.status_code)
        for old in before:
            new = type(old).objects.get(pk=old.pk)
            for name, value in form.items():
                field = next(
                    (f for f in old._meta.concrete_fields if name in (f.name, f.attname)), None
                )
                if field is None:
                    continue
                was, now = getattr(old, field.attname), getattr(new, field.attname)
                assert now == was or str(now) != str(value), (path, type(old).__name__, name, now)
            if hasattr(old, "owner_id"):
                assert new.owner_id == old.owner_id and new.team_id == old.team_id
        checked += 1
    assert checked >= 2  # the signed copy and the copy to verify


# --- the declared fields' own checks ---------------------------------------------------------


def test_a_stage_changes_only_through_its_gate(client, world):
    users, _foreign = world
    deals = apps.get_model("deals", "Deal").objects.filter(owner=users["rep"], status="open")
    deal = deals.filter(stage="discovery").first()
    last = active_playbook().stages[-1]
    client.force_login(users["rep"])
    moved = client.post(
        f"/api/v1/deals/{deal.pk}/move", {"to_stage": last.key}, content_type="application/json"
    )
    assert moved.status_code == 422, moved.content  # the gate's failures, named
    tick = {"stage": last.key, "item": last.checklist[0].key}
    ticked = client.post(
        f"/api/v1/deals/{deal.pk}/checklist", tick, content_type="application/json"
    )
    assert ticked.status_code in (200, 422), ticked.content
    deal.refresh_from_db()
    assert deal.stage == "discovery"


def test_only_a_manager_reassigns_a_lead(client, world):
    users, _foreign = world
    lead = apps.get_model("leads", "Lead").objects.filter(owner=users["rep"]).first()
    client.force_login(users["rep"])
    response = client.post(
        f"/api/v1/leads/{lead.pk}/assign",
        {"owner_id": users["emily"].pk},
        content_type="application/json",
    )
    assert response.status_code == 403, response.content
    lead.refresh_from_db()
    assert lead.owner == users["rep"]


def test_only_sales_ops_route_a_webhook(client, world):
    users, _foreign = world
    endpoints = apps.get_model("monitor", "WebhookEndpoint").objects
    count = endpoints.count()
    client.force_login(users["manager"])
    op = next(op for _p, _m, op, _s in operations(client) if op["operationId"] == "webhooks_create")
    body = {**minimal(json_schema(op), document(client)), "team_id": users["manager"].team_id}
    response = client.post("/api/v1/webhooks", body, content_type="application/json")
    assert response.status_code == 403, response.content
    assert endpoints.count() == count


def test_only_the_named_role_decides_an_approval(client, world):
    users, _foreign = world
    approval = Approval.objects.filter(status="pending", role="manager").first()
    url = f"/api/v1/approvals/{approval.pk}/decide"
    for who in {approval.owner, users["emily"], users["finance"], users["legal"]}:
        client.force_login(who)
        response = client.post(url, {"approve": True}, content_type="application/json")
        assert response.status_code in (403, 404, 422), (who.username, response.status_code)
        approval.refresh_from_db()
        assert approval.status == "pending" and approval.decided_by is None, who.username


def test_a_discount_beyond_the_reps_cap_waits_for_approval_and_beyond_all_is_refused(client, world):
    users, _foreign = world
    rep = users["rep"]
    policy = PricePolicy.objects.filter(product__isnull=False, floor_price__isnull=False).first()
    product = policy.product
    deal = apps.get_model("deals", "Deal").objects.filter(owner=rep, status="open").first()
    client.force_login(rep)

    def quote(pct):
        line = {"product_id": product.pk, "discount_pct": str(pct)}
        return client.post(
            f"/api/v1/deals/{deal.pk}/quotes", {"lines": [line]}, content_type="application/json"
        )

    within_managers = (policy.max_discount_rep + policy.max_discount_manager) / 2
    response = quote(within_managers)
    assert response.status_code == 201, response.content
    made = Quote.objects.get(pk=response.json()["id"])
    client.post(f"/api/v1/quotes/{made.pk}/submit")
    made.refresh_from_db()
    assert made.status != "approved"
    assert Approval.objects.filter(quote=made, role="manager", status="pending").exists()
    count = Quote.objects.count()
    refused = quote(policy.max_discount_director + 1)
    assert refused.status_code == 422
    assert "lines.0.discount_pct" in _named(refused), refused.content.decode()
    assert Quote.objects.count() == count


def test_only_legal_decides_a_contract_review(client, world):
    users, _foreign = world
    contract = apps.get_model("contracts", "Contract").objects.get(status="in_review")
    for who in {contract.deal.owner, users["manager"], users["finance"]}:
        client.force_login(who)
        response = client.post(
            f"/api/v1/contracts/{contract.pk}/review",
            {"approve": True, "decisions": []},
            content_type="application/json",
        )
        assert response.status_code in (403, 404), (who.username, response.status_code)
        contract.refresh_from_db()
        assert contract.status == "in_review", who.username
