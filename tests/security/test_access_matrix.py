"""The access matrix, generated from the OpenAPI document and the URL configuration over the
demo company: every API operation is classified in POLICY (a new one that is not fails
here); anonymous callers get 401 from every operation but the public intake; a sales rep
(emily) asking for another person's record by id gets 404 from every operation and page that
takes one, whatever the method, and nothing changes; sales ops reach the same records; and
the rep's lists carry none of them."""

import re
from dataclasses import dataclass

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from salesop.accounts.models import ApiToken, User
from salesop.accounts.services import api_token_create
from salesop.demo import load_demo

pytestmark = pytest.mark.django_db

# Every operation: "public" (no login), "self" (the caller's own things, or lists scoped to
# what the caller may see), "catalog" (the same for everyone signed in: products, playbook,
# templates), "object" (a record named in the path: another person's answers 404), "ops" (sales
# operations only), "role" (a role's own work queue, refused or empty for a rep).
POLICY = {
    "intake_lead": "public",
    **dict.fromkeys(
        [
            "me_get",
            "tokens_list",
            "tokens_create",
            "accounts_list",
            "accounts_create",
            "deals_list",
            "deals_create",
            "leads_list",
            "leads_create",
            "my_work",
            "tasks_create",
            "alerts_list",
            "notifications_list",
            "notifications_read",
            "preferences_get",
            "preferences_put",
            "tickets_list",
            "tickets_create",
            "projects_list",
            "enablement_enrollments",
            "enablement_cases",
            "enablement_roleplay_record",
            "surveys_send",
            "approvals_list",
            "insights_funnel",
            "insights_channels",
            "insights_grading",
            "insights_compliance",
            "insights_review",
            "insights_losses",
        ],
        "self",
    ),
    **dict.fromkeys(
        [
            "channels_list",
            "playbook_active",
            "playbook_versions_list",
            "playbook_versions_get",
            "products_list",
            "products_get",
            "questions_list",
            "questions_create",
            "objections_library",
            "contract_templates_list",
            "contract_templates_get",
        ],
        "catalog",
    ),
    **dict.fromkeys(
        [
            "webhooks_list",
            "webhooks_create",
            "webhooks_test",
            "webhooks_deliveries",
            "playbook_versions_create",
            "playbook_versions_activate",
            "contract_templates_create",
        ],
        "ops",
    ),
    **dict.fromkeys(["contract_reviews_list", "contracts_review"], "role"),
}
OBJECT_PARAMS = {
    "account_id", "deal_id", "lead_id", "need_id", "keyword_id", "stakeholder_id",
    "objection_id", "task_id", "quote_id", "approval_id", "proposal_id", "contract_id", "key",
    "file_id", "project_id", "milestone_id", "update_id", "ticket_id", "revisit_id",
    "token_id", "enrollment_id", "module_id",
}  # fmt: skip


def _model(label: str):
    return apps.get_model(*label.split("."))


@dataclass
class Foreign:
    """One record of each kind the rep may not see, with the ids its paths name."""

    ids: dict[str, object]
    records: list


def _foreign_world(rep: User) -> Foreign:
    """One record of each kind the rep may not see (most are a teammate's: same team, so
    only a manager or sharing would show them), reachable by every path parameter."""

    def hidden(label: str, parent: str = ""):
        model = _model(label)
        if not parent:
            visible = model.objects.visible_to(rep).values("pk")
            return model.objects.exclude(pk__in=visible)
        owned = model
        for step in parent.split("__"):  # down to the record that has an owner
            owned = owned._meta.get_field(step).related_model
        return model.objects.exclude(**{f"{parent}__in": owned.objects.visible_to(rep)})

    def one(label: str, parent: str = ""):
        found = hidden(label, parent).order_by("pk").first()
        assert found is not None, f"the demo has no {label} hidden from {rep.username}"
        return found

    deals = hidden("deals.Deal")
    deal = deals.filter(quotes__isnull=False, contracts__isnull=False).first() or deals.first()
    need, keyword = one("deals.Need", "deal"), one("deals.KeywordTag", "deal")
    stakeholder, objection = one("deals.Stakeholder", "deal"), one("deals.DealObjection", "deal")
    quote, proposal = one("pricing.Quote", "deal"), one("deals.Proposal", "deal")
    contract = one("contracts.Contract", "deal")
    approval = _model("pricing.Approval").objects.filter(quote=quote).first() or one(
        "pricing.Approval", "quote__deal"
    )
    document = _model("contracts.ContractDocument").objects.filter(contract=contract).first()
    project = one("aftersales.DeliveryProject")
    milestone = project.milestones.first()
    update = project.updates.first() or _model("aftersales.ProgressUpdate").objects.create(
        project=project, text="本周已完成系统部署", created_by=project.owner
    )
    ticket = hidden("aftersales.Ticket").first()
    if ticket is None:  # the demo's tickets are all in sight of this asker: one on the deal's
        from salesop.aftersales.services import ticket_open

        ticket = ticket_open(
            account=deal.account,
            by=deal.owner,
            channel="phone",
            severity="normal",
            title="系统登录异常",
            description="客户反馈无法登录",
        )
        assert ticket in hidden("aftersales.Ticket"), "a new ticket is in sight of the asker"
    revisit = one("aftersales.Revisit", "account")
    task = _model("activities.Task").objects.exclude(assignee=rep).exclude(created_by=rep).first()
    token = ApiToken.objects.exclude(user=rep).first()
    enrollment = _model("enablement.Enrollment").objects.exclude(user=rep).first()
    lead = one("leads.Lead")
    records = [deal, deal.account, lead, need, keyword, stakeholder, objection, quote]
    records += [proposal, contract, project, milestone, update, ticket, revisit, task]
    records += [approval, token, enrollment]
    assert all(records), [type(r).__name__ for r in records if r is None]
    ids = {
        "account_id": deal.account_id,
        "deal_id": deal.pk,
        "lead_id": lead.pk,
        "need_id": need.pk,
        "keyword_id": keyword.pk,
        "stakeholder_id": stakeholder.pk,
        "objection_id": objection.pk,
        "task_id": task.pk,
        "quote_id": quote.pk,
        "approval_id": approval.pk,
        "proposal_id": proposal.pk,
        "contract_id": contract.pk,
        "key": document.key if document else "signed",
        "file_id": document.pk if document else 1,
        "project_id": project.pk,
        "milestone_id": milestone.pk,
        "update_id": update.pk,
        "ticket_id": ticket.pk,
        "revisit_id": revisit.pk,
        "token_id": token.pk,
        "enrollment_id": enrollment.pk,
        "module_id": enrollment.course.modules.first().pk,
        # the same for everyone (catalogues) or sales ops' own: named so every path resolves
        "version_id": _model("playbook.PlaybookVersion").objects.first().pk,
        "template_id": _model("contracts.ContractTemplate").objects.first().pk,
        "product_id": _model("pricing.Product").objects.first().pk,
        "endpoint_id": 1,
    }
    return Foreign(ids=ids, records=records)


def _snapshot(records) -> list:
    return [model_to_dict(type(r).objects.get(pk=r.pk)) for r in records]


def _operations(client: Client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op, schema


def _minimal(node, schema, depth=0):
    """The smallest body the schema accepts (required fields only), so a request passes
    validation and reaches the access check."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _minimal(schema["components"]["schemas"][name], schema, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            return _minimal(options[0], schema, depth + 1)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        value = {k: _minimal(props[k], schema, depth + 1) for k in node.get("required", [])}
        if node.get("minProperties") and isinstance(node.get("additionalProperties"), dict):
            value["x"] = _minimal(node["additionalProperties"], schema, depth + 1)
        return value
    if kind == "array":
        return [_minimal(node["items"], schema, depth + 1)] * node.get("minItems", 0)
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return max(1, node.get("minimum", 1))
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2026-12-01"
    if node.get("format") == "date-time":
        return "2026-12-01T10:00:00+08:00"
    return "x" * max(1, node.get("minLength", 1))


def _body(op, schema):
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return _minimal(content["application/json"]["schema"], schema)
    return None


def _query(op, schema) -> str:
    """The operation's required query parameters, with the smallest values they accept."""
    required = [p for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
    return "&".join(f"{p['name']}={_minimal(p['schema'], schema)}" for p in required)


def _call(client, method, path, op, schema):
    query = _query(op, schema)
    url = f"{path}?{query}" if query else path
    form = op.get("requestBody", {}).get("content", {}).get("multipart/form-data")
    if form:  # an upload: each required file a small PDF, other fields their smallest value
        node = form["schema"]
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        fields = {}
        for name in node.get("required", []):
            prop = node["properties"][name]
            binary = prop.get("format") == "binary" or prop.get("type") == "array"
            fields[name] = (
                SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
                if binary
                else _minimal(prop, schema)
            )
        return client.post(url, fields)
    body = _body(op, schema)
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, content_type="application/json")


# Who asks: a rep (whose teammate's records are not theirs) and the manager of another team.
ASKERS = ["emily", "northmgr"]


@pytest.fixture(params=ASKERS)
def demo(request):
    load_demo()
    users = {u.username: u for u in User.objects.all()}
    asker = users[request.param]
    api_token_create(user=users["rep"], name="someone else's")
    return asker, users["ops"], _foreign_world(asker)


def test_every_operation_is_classified(client):
    ops = {op["operationId"] for _p, _m, op, _s in _operations(client)}
    objects = {
        op["operationId"]
        for path, _m, op, _s in _operations(client)
        if set(re.findall(r"{(\w+)}", path)) & OBJECT_PARAMS
    }
    unclassified = sorted(ops - set(POLICY) - objects)
    assert unclassified == [], f"classify these in POLICY: {unclassified}"


def test_anonymous_callers_get_401_from_everything_but_the_intake(client, demo):
    _rep, _ops, world = demo
    wrong = []
    for path, method, op, schema in _operations(client):
        if POLICY.get(op["operationId"]) == "public":
            continue
        url = path.format(**world.ids)
        response = _call(client, method, url, op, schema)
        if response.status_code != 401:
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert wrong == []


def test_another_persons_record_answers_404_to_every_method_and_nothing_changes(client, demo):
    rep, _ops, world = demo
    client.force_login(rep)
    before, audit = _snapshot(world.records), LogEntry.objects.count()
    checked, wrong = 0, []
    for path, method, op, schema in _operations(client):
        params = set(re.findall(r"{(\w+)}", path))
        policy = POLICY.get(op["operationId"])
        if not params & OBJECT_PARAMS or policy in ("catalog", "public"):
            continue
        response = _call(client, method, path.format(**world.ids), op, schema)
        checked += 1
        expected = (403, 404) if policy in ("ops", "role") else (404,)
        if response.status_code not in expected:
            wrong.append(
                f"{method.upper()} {path}: {response.status_code} {response.content[:120]}"
            )
    assert wrong == []
    assert checked >= 90  # every operation on a record, each method it has
    assert _snapshot(world.records) == before and LogEntry.objects.count() == audit


def test_sales_ops_reach_the_same_records(client, demo):
    _rep, ops, world = demo
    client.force_login(ops)
    wrong = []
    for path, method, op, _schema in _operations(client):
        params = set(re.findall(r"{(\w+)}", path))
        skip = {"token_id", "enrollment_id", "module_id", "approval_id", "key", "file_id"}
        if method != "get" or not params & OBJECT_PARAMS or params & skip:
            continue
        if POLICY.get(op["operationId"]) in ("ops", "role"):
            continue
        response = client.get(f"{path.format(**world.ids)}?{_query(op, _schema)}")
        if response.status_code in (401, 403, 404):  # 422 is the record found, the query odd
            wrong.append(f"GET {path}: {response.status_code}")
    assert wrong == []


def test_the_reps_lists_carry_no_one_elses_records(client, demo):
    rep, _ops, world = demo
    client.force_login(rep)
    lists = {
        "/api/v1/accounts?page_size=200": world.ids["account_id"],
        "/api/v1/deals?page_size=200": world.ids["deal_id"],
        "/api/v1/leads?page_size=200": world.ids["lead_id"],
        "/api/v1/tickets": world.ids["ticket_id"],
        "/api/v1/projects": world.ids["project_id"],
    }
    for url, foreign_id in lists.items():
        body = client.get(url).json()
        items = body["items"] if isinstance(body, dict) else body
        assert foreign_id not in {item["id"] for item in items}, url


def _page_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _page_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


# Pages whose parameters are not records of a person: admin, links that carry their own
# secret (customer portal, surveys, calendar feeds), catalogue and report pages.
PAGE_EXEMPT = re.compile(
    r"^(admin/|api/|p/|s/|survey/|portal/|calendar/|i18n/|static/|media/)"
    r"|<(?:str:)?(?:token|url|fmt|kind|measure|app_label|number)>"
)


def test_pages_of_another_persons_records_answer_404(client, demo):
    rep, _ops, world = demo
    client.force_login(rep)
    checked, wrong = 0, []
    for route, _pattern in _page_patterns():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not names or PAGE_EXEMPT.search(route) or not set(names) <= OBJECT_PARAMS:
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(world.ids[m.group(1)]), route)
        # 404 (or 403 where a role is checked first); 405 for the method a view does not take
        statuses = [getattr(client, method)(url).status_code for method in ("get", "post")]
        checked += 1
        if not set(statuses) <= {403, 404, 405} or statuses == [405, 405]:
            wrong.append(f"{url} ({route}): GET {statuses[0]}, POST {statuses[1]}")
    assert wrong == []
    assert checked > 50
