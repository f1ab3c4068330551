"""The access matrix, generated from the OpenAPI document and the URL configuration over the
demo company: every API operation is classified in POLICY (a new one that is not fails
here); anonymous callers get 401 from every operation but the public intake; each asker (a
rep, the manager of another team, legal, finance, a project manager and customer success)
asking for a record outside what they may see gets 404 from every operation and page that
takes one, whatever the method, and nothing changes; the roles whose work queues reach across
teams reach the records in their queue as QUEUES says (403 where the role may read but not
act); sales ops reach every record; and no list carries a row the asker may not see."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from salesop.accounts.models import ApiToken, User
from salesop.contracts.selectors import contracts_visible_to, review_queue
from salesop.pricing.selectors import approvals_for

from .openapi import call, operations, query

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
            "insights_products",
            "imports_create",
            "search",
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
            "custom_fields_list",
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
    "token_id", "enrollment_id", "module_id", "job_id", "record_id",
}  # fmt: skip

REACH = "reach"  # the record is found: any answer but 401, 403 and 404
# A page refuses an action the role may not take with 403, or by going back to the record
# (or showing it again, 422) with the refusal as an error message; nothing changes.
REFUSED = "refused"


@dataclass(frozen=True)
class Queue:
    """What a role whose work reaches across teams gets on the records in its queue, per API
    operation (REACH, or 403 where the role may read the record but the action is another's)
    and per page (URL name: REACH or REFUSED). Every other operation and page on such a
    record, and every one on a record outside the queue, answers 404. `everywhere`: the path
    parameters whose records are all in the queue (legal reviews every team's contracts):
    there is no record outside it to ask for."""

    why: str
    ops: dict[str, str | int]
    pages: dict[str, str | int]
    everywhere: frozenset[str] = frozenset()


_CONTRACT_ACTIONS = [
    "clauses_edit", "submit", "schedule", "document_ready", "send", "sign", "archive",
    "cancel", "incentives_offer",
]  # fmt: skip
# A project's page and API for its delivery team; the customer's record, which the delivery
# team is given to serve it (project_from_handover shares the account), with its contacts,
# activities, revisits, growth stage and churn.
_DELIVERY_OPS = {
    **dict.fromkeys(["projects_get", "projects_milestone_done", "projects_update_draft"], REACH),
    **dict.fromkeys(["projects_update_send"], REACH),
    **dict.fromkeys(["accounts_get", "accounts_update", "contacts_list", "contacts_create"], REACH),
    **dict.fromkeys(["account_activities_list", "account_activities_create"], REACH),
    **dict.fromkeys(["revisits_list", "revisits_record", "revisits_follow_up"], REACH),
    **dict.fromkeys(["growth_get", "growth_set", "growth_accept", "accounts_churn"], REACH),
    "accounts_merge": 403,  # a sales manager's or sales ops' (customers.services.account_merge)
}
_DELIVERY_PAGES = {
    **dict.fromkeys(["aftersales:project", "aftersales:update_draft"], REACH),
    **dict.fromkeys(["aftersales:update_send", "aftersales:ticket_add"], REACH),
    **dict.fromkeys(["aftersales:revisit", "aftersales:revisit_follow_up"], REACH),
    **dict.fromkeys(["aftersales:stage_set", "aftersales:churn"], REACH),
    **dict.fromkeys(["customers:detail", "customers:edit", "customers:contact_add"], REACH),
    "customers:merge": REFUSED,
}
QUEUES = {
    "legal": Queue(
        why="legal reviews every team's contracts (contracts.selectors.contracts_visible_to): "
        "reads them, decides reviews, never edits, sends or signs them (may_edit)",
        ops={
            **dict.fromkeys(
                ["contracts_get", "contracts_docx", "contracts_file", "contracts_verify"], REACH
            ),
            **dict.fromkeys(["contracts_incentives_allowed", "contracts_review"], REACH),
            **{f"contracts_{name}": 403 for name in _CONTRACT_ACTIONS},
        },
        pages={
            **dict.fromkeys(["contracts:detail", "contracts:docx", "contracts:pdf"], REACH),
            **dict.fromkeys(["contracts:file", "contracts:verify", "contracts:review"], REACH),
            **dict.fromkeys(
                ["contracts:clauses", "contracts:submit", "contracts:schedule"], REFUSED
            ),
            **dict.fromkeys(["contracts:document", "contracts:send", "contracts:sign"], REFUSED),
            **dict.fromkeys(
                ["contracts:archive", "contracts:cancel", "contracts:incentive"], REFUSED
            ),
        },
        everywhere=frozenset({"contract_id", "key", "file_id"}),
    ),
    "finance": Queue(
        why="finance decides every team's approvals asked of finance (pricing.selectors."
        "approvals_for): the approval, not its deal or quote",
        ops={"approvals_decide": REACH},
        pages={"pricing:decide": REACH},
    ),
    "pm": Queue(
        why="the project manager (and technical support) of a project: the project, its "
        "tickets (tech support owns them) and the customer's record",
        ops={
            **_DELIVERY_OPS,
            **dict.fromkeys(
                ["tickets_get", "tickets_respond", "tickets_direction", "tickets_resolve"],
                REACH,
            ),
        },
        pages={
            **_DELIVERY_PAGES,
            **dict.fromkeys(["aftersales:ticket", "aftersales:ticket_action"], REACH),
            **dict.fromkeys(["aftersales:member_set", "aftersales:project_update"], REACH),
            **dict.fromkeys(["aftersales:milestone_done", "aftersales:portal_link"], REACH),
        },
    ),
    "csm": Queue(
        why="customer success on a project: the project, the customer's record and the "
        "revisits they own; the project's tickets are technical support's",
        # milestones are the project manager's or a sales manager's (aftersales.rules.may_manage)
        ops={**_DELIVERY_OPS, "projects_milestone_done": 403},
        pages={
            **_DELIVERY_PAGES,
            # the project manager's or a sales manager's (aftersales.rules.may_manage)
            **dict.fromkeys(["aftersales:member_set", "aftersales:project_update"], REFUSED),
            "aftersales:milestone_done": REFUSED,
            "aftersales:portal_link": REACH,
        },
    ),
}
# Bodies for the queue's calls where the smallest one would stop before the role's check.
QUEUE_BODIES = {
    "accounts_merge": lambda ids: {"other_id": ids["account_id"]},
    # a product that exists (id 1 need not: PostgreSQL's sequences run on across tests)
    "growth_accept": lambda ids: {
        "product_id": _model("pricing.Product").objects.filter(active=True).first().pk
    },
}
PAGE_DATA = {
    "aftersales:ticket_action": lambda ids: {"action": "respond", "body": "已电话联系客户"},
    "aftersales:member_set": lambda ids: {"role": "customer_success", "user": ids["user_id"]},
    "customers:merge": lambda ids: {"other": ids["account_id"]},
    "contracts:clauses": lambda ids: {f"clause-{ids['clause']}": "双方另行约定。"},
    "contracts:sign": lambda ids: {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n")},
}

# Who asks: a rep (whose teammate's records are not theirs), the manager of another team, and
# the roles whose queues reach across teams.
ASKERS = ["emily", "northmgr", *QUEUES]


def _model(label: str):
    return apps.get_model(*label.split("."))


@dataclass
class World:
    """Records the asker may not see (`ids`, `records`) and, for a role with a queue, the
    records in it (`queue`), each named by the path parameters that reach it."""

    ids: dict[str, object]
    records: list
    queue: dict[str, object] = field(default_factory=dict)


def _foreign_world(asker: User) -> World:
    """One record of each kind the asker may not see (for a rep most are a teammate's: same
    team, so only a manager or sharing would show them), reachable by every path parameter.
    Where the demo has none (a delivery team is on every demo project), one is made."""

    def hidden(label: str, parent: str = ""):
        model = _model(label)
        if not parent:
            visible = model.objects.visible_to(asker).values("pk")
            return model.objects.exclude(pk__in=visible)
        owned = model
        for step in parent.split("__"):  # down to the record that has an owner
            owned = owned._meta.get_field(step).related_model
        return model.objects.exclude(**{f"{parent}__in": owned.objects.visible_to(asker)})

    def one(label: str, parent: str = ""):
        found = hidden(label, parent).order_by("pk").first()
        assert found is not None, f"the demo has no {label} hidden from {asker.username}"
        return found

    deals = hidden("deals.Deal")
    deal = deals.filter(quotes__isnull=False, contracts__isnull=False).first() or deals.first()
    need, keyword = one("deals.Need", "deal"), one("deals.KeywordTag", "deal")
    stakeholder, objection = one("deals.Stakeholder", "deal"), one("deals.DealObjection", "deal")
    quote, proposal = one("pricing.Quote", "deal"), one("deals.Proposal", "deal")
    contract = one("contracts.Contract", "deal")
    approvals = _model("pricing.Approval").objects.exclude(pk__in=approvals_for(asker))
    approval = approvals.filter(quote=quote).first() or approvals.order_by("pk").first()
    document = _model("contracts.ContractDocument").objects.filter(contract=contract).first()
    project = hidden("aftersales.DeliveryProject").order_by("pk").first()
    if project is None:
        signed = deals.filter(project__isnull=True, handover__isnull=True, contracts__isnull=False)
        project = _project_of(signed.order_by("pk").first())
    milestone = project.milestones.first()
    update = project.updates.first() or _model("aftersales.ProgressUpdate").objects.create(
        project=project, week=timezone.localdate(), text="本周已完成系统部署"
    )
    ticket = hidden("aftersales.Ticket").first()
    if ticket is None:  # the demo's tickets are all in sight of this asker: one on a company
        from salesop.aftersales.tickets import ticket_open  # they may not see

        ticket = ticket_open(
            account=hidden("customers.Account").order_by("pk").first(),
            by=deal.owner,
            channel="phone",
            severity="normal",
            title="系统登录异常",
            description="客户反馈无法登录",
        )
        assert ticket in hidden("aftersales.Ticket"), "a new ticket is in sight of the asker"
    revisit = hidden("aftersales.Revisit", "account").order_by("pk").first()
    if revisit is None:
        account = hidden("customers.Account").order_by("pk").first()
        revisit = _model("aftersales.Revisit").objects.create(
            account=account, owner=account.owner, due_on=timezone.localdate(), tier=account.tier
        )
    task = _model("activities.Task").objects.exclude(assignee=asker).exclude(created_by=asker)
    task = task.order_by("pk").first()
    token = ApiToken.objects.exclude(user=asker).first()
    enrollment = _model("enablement.Enrollment").objects.exclude(user=asker).first()
    lead = one("leads.Lead")
    job = _import_of(deal.owner)  # someone else's import, stopped (so it may be resumed)
    assert job.created_by != asker
    records = [deal, deal.account, lead, need, keyword, stakeholder, objection, quote]
    records += [proposal, contract, project, milestone, update, ticket, revisit, task]
    records += [approval, token, enrollment, job]
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
        "key": "contract",  # a signing document of the default playbook
        "file_id": document.pk if document else 1,
        "project_id": project.pk,
        "milestone_id": milestone.pk,
        "update_id": update.pk,
        "ticket_id": ticket.pk,
        "revisit_id": revisit.pk,
        "token_id": token.pk,
        "enrollment_id": enrollment.pk,
        "module_id": enrollment.course.modules.first().pk,
        "job_id": job.pk,
        "model": "deals.deal",  # with record_id: a custom field's record, here the deal
        "record_id": deal.pk,
        # the same for everyone (catalogues) or sales ops' own: named so every path resolves
        "version_id": _model("playbook.PlaybookVersion").objects.first().pk,
        "template_id": _model("contracts.ContractTemplate").objects.first().pk,
        "product_id": _model("pricing.Product").objects.first().pk,
        "endpoint_id": 1,
    }
    return World(ids=ids, records=records, queue=_queue(asker))


def _import_of(user: User):
    """An import `user` started that stopped half-way, with its file and error report."""
    job = _model("leads.ImportJob")(
        created_by=user,
        kind="accounts",
        original_name="客户.csv",
        columns=["客户名称"],
        mapping={"客户名称": "company"},
        all_or_nothing=False,
        status="failed",
        interrupted=True,
        message="失败：后台任务未完成就停止了。",
    )
    job.file.save("客户.csv", ContentFile("客户名称\r\n甲公司\r\n".encode()), save=False)
    job.error_report.save("errors.csv", ContentFile(b"row,column,reason\r\n"), save=False)
    job.save()
    return job


def _project_of(deal):
    """A delivery project on `deal` run by its owner alone: no delivery team shares it."""
    handover = _model("contracts.Handover").objects.create(
        deal=deal, contract=deal.contracts.first(), account=deal.account
    )
    project = _model("aftersales.DeliveryProject").objects.create(
        deal=deal,
        handover=handover,
        account=deal.account,
        name=deal.name,
        owner=deal.owner,
        team=deal.team,
        update_due_at=timezone.now() + timedelta(days=7),
    )
    project.milestones.create(key="kickoff", title="项目启动", due_on=timezone.localdate())
    return project


def _queue(asker: User) -> dict[str, object]:
    """The records in the asker's queue, by path parameter (none for a rep or a manager)."""
    if asker.username not in QUEUES:
        return {}
    model = _model
    if asker.username == "legal":  # a contract of another team, with its archived files
        contract = contracts_visible_to(asker).filter(documents__isnull=False).first()
        document = contract.documents.first()
        clause = contract.clauses.first().key
        return {
            "contract_id": contract.pk,
            "key": "contract",
            "file_id": document.pk,
            "clause": clause,
        }
    if asker.username == "finance":
        approval = approvals_for(asker).filter(role="finance", status="pending").first()
        assert approval.owner != asker and approval.quote.deal.owner != asker
        return {"approval_id": approval.pk}
    project = model("aftersales.DeliveryProject").objects.visible_to(asker).order_by("pk")[0]
    assert project.members.filter(user=asker).exists(), "the demo's delivery team changed"
    update = project.updates.first() or project.updates.create(
        week=timezone.localdate(), text="本周已完成系统部署"
    )
    revisits = model("aftersales.Revisit").objects.filter(account=project.account)
    queue = {
        "project_id": project.pk,
        "milestone_id": project.milestones.first().pk,
        "update_id": update.pk,
        "account_id": project.account_id,
        "revisit_id": (revisits.filter(owner=asker).first() or revisits.first()).pk,
    }
    tickets = model("aftersales.Ticket").objects.filter(owner=asker).exclude(status="resolved")
    if tickets.exists():
        queue["ticket_id"] = tickets.first().pk
    return queue


QUEUE_MODELS = {
    "contract_id": "contracts.Contract",
    "approval_id": "pricing.Approval",
    "project_id": "aftersales.DeliveryProject",
    "milestone_id": "aftersales.Milestone",
    "update_id": "aftersales.ProgressUpdate",
    "account_id": "customers.Account",
    "revisit_id": "aftersales.Revisit",
    "ticket_id": "aftersales.Ticket",
}


def _queue_records(queue: dict) -> list:
    return [
        _model(QUEUE_MODELS[p]).objects.get(pk=pk) for p, pk in queue.items() if p in QUEUE_MODELS
    ]


def _snapshot(records) -> list:
    return [model_to_dict(type(r).objects.get(pk=r.pk)) for r in records]


@pytest.fixture(params=ASKERS)
def demo(request, demo_company):
    users = {u.username: u for u in User.objects.all()}
    asker = users[request.param]
    return asker, users["ops"], _foreign_world(asker)


def _params(path: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", path))


def test_every_operation_is_classified(client):
    ops = {op["operationId"] for _p, _m, op, _s in operations(client)}
    objects = {
        op["operationId"] for p, _m, op, _s in operations(client) if _params(p) & OBJECT_PARAMS
    }
    unclassified = sorted(ops - set(POLICY) - objects)
    assert unclassified == [], f"classify these in POLICY: {unclassified}"
    stray = {f"{who}: {name}" for who, q in QUEUES.items() for name in q.ops if name not in ops}
    assert stray == set(), "QUEUES names operations that no longer exist"


def test_anonymous_callers_get_401_from_everything_but_the_intake(client, demo_company):
    ids = _foreign_world(User.objects.get(username="emily")).ids
    wrong = []
    for path, method, op, schema in operations(client):
        if POLICY.get(op["operationId"]) == "public":
            continue
        response = call(client, method, path.format(**ids), op, schema)
        if response.status_code != 401:
            wrong.append(f"{method.upper()} {path}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def _undone(request):
    """The request, with whatever it writes rolled back: a record in the asker's queue is
    reached, and acting on it is not what the matrix is about."""
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    return response


def _answers(expected, response) -> bool:
    status = response.status_code
    if expected == REACH:
        return status not in (401, 403, 404)
    if expected == REFUSED:
        # messages pile up in the session while no page shows them: the last is this one's
        said = [m.level_tag for m in get_messages(response.wsgi_request)]
        return status == 403 or (status in (302, 422) and said[-1:] == ["error"])
    return status == expected


def test_a_record_outside_sight_answers_404_to_every_method_and_nothing_changes(client, demo):
    asker, _ops, world = demo
    queue = QUEUES.get(asker.username)
    client.force_login(asker)
    before, audit = _snapshot(world.records), LogEntry.objects.count()
    checked, skipped, wrong = 0, 0, []
    for path, method, op, schema in operations(client):
        params = _params(path)
        policy = POLICY.get(op["operationId"])
        if not params & OBJECT_PARAMS or policy in ("catalog", "public"):
            continue
        if queue and params & OBJECT_PARAMS <= queue.everywhere:
            skipped += 1  # no such record is out of the asker's sight: see the queue's test
            continue
        response = call(client, method, path.format(**world.ids), op, schema)
        checked += 1
        expected = (403, 404) if policy in ("ops", "role") else (404,)
        if response.status_code not in expected:
            wrong.append(
                f"{method.upper()} {path}: {response.status_code} {response.content[:120]}"
            )
    assert wrong == [], "\n".join(wrong)
    assert checked + skipped >= 90  # every operation on a record, each method it has
    assert _snapshot(world.records) == before and LogEntry.objects.count() == audit


@pytest.mark.parametrize("role", list(QUEUES))
def test_a_role_reaches_its_queue_as_its_rules_say(client, demo_company, role):
    asker = User.objects.get(username=role)
    queue, world = QUEUES[role], _foreign_world(asker)
    client.force_login(asker)
    ids = {**world.ids, **world.queue}
    mine = _queue_records(world.queue)
    before, audit = _snapshot(mine), LogEntry.objects.count()
    wrong, checked = [], 0
    for path, method, op, schema in operations(client):
        name = op["operationId"]
        expected = queue.ops.get(name)
        if expected is None:
            continue
        assert _params(path) & OBJECT_PARAMS <= set(world.queue), (role, path)
        body = QUEUE_BODIES[name](ids) if name in QUEUE_BODIES else None
        url = path.format(**ids)
        if expected == REACH:
            response = _undone(lambda: call(client, method, url, op, schema, body))  # noqa: B023
        else:  # refused: left to stand, and proved to change nothing
            response = call(client, method, url, op, schema, body)
        checked += 1
        if not _answers(expected, response):
            wrong.append(f"{method.upper()} {path}: {response.status_code} (not {expected})")
    assert wrong == [], "\n".join(wrong)
    assert checked == len(queue.ops)
    assert _snapshot(mine) == before and LogEntry.objects.count() == audit


def test_sales_ops_reach_the_same_records(client, demo):
    _asker, ops, world = demo
    client.force_login(ops)
    wrong = []
    for path, method, op, schema in operations(client):
        params = _params(path)
        skip = {"token_id", "enrollment_id", "module_id", "approval_id", "key", "file_id"}
        if method != "get" or not params & OBJECT_PARAMS or params & skip:
            continue
        if POLICY.get(op["operationId"]) in ("ops", "role"):
            continue
        response = client.get(f"{path.format(**world.ids)}?{query(op, schema)}")
        if response.status_code in (401, 403, 404):  # 422 is the record found, the query odd
            wrong.append(f"GET {path}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def _ids(client, url) -> set:
    body = client.get(url).json()
    items = body["items"] if isinstance(body, dict) else body
    return {item["id"] for item in items}


def test_lists_carry_nothing_the_asker_may_not_see(client, demo):
    asker, _ops, world = demo
    client.force_login(asker)
    labels = ["customers.Account", "deals.Deal", "leads.Lead", "aftersales.Ticket"]
    visible = {
        label: set(_model(label).objects.visible_to(asker).values_list("pk", flat=True))
        for label in [*labels, "aftersales.DeliveryProject"]
    }
    lists = {
        "/api/v1/accounts?page_size=200": ("customers.Account", "account_id"),
        "/api/v1/deals?page_size=200": ("deals.Deal", "deal_id"),
        "/api/v1/leads?page_size=200": ("leads.Lead", "lead_id"),
        "/api/v1/tickets": ("aftersales.Ticket", "ticket_id"),
        "/api/v1/projects": ("aftersales.DeliveryProject", "project_id"),
    }
    for url, (label, param) in lists.items():
        shown = _ids(client, url)
        assert world.ids[param] not in shown, url
        assert shown <= visible[label], (url, shown - visible[label])
        if param in world.queue and label != "customers.Account":
            assert world.queue[param] in shown, f"{url} leaves out a record of the queue"
    for status in ("pending", "approved", "rejected"):
        shown = _ids(client, f"/api/v1/approvals?status={status}")
        assert shown <= set(approvals_for(asker).values_list("pk", flat=True)), status
        assert world.ids["approval_id"] not in shown
    if "approval_id" in world.queue:
        assert world.queue["approval_id"] in _ids(client, "/api/v1/approvals?status=pending")
    reviews = _ids(client, "/api/v1/contract-reviews")
    assert reviews == set(review_queue(asker).values_list("pk", flat=True)[:200])
    assert bool(reviews) == (asker.username == "legal"), "legal's queue, and only legal's"


def _page_patterns(resolver=None, prefix="", namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _page_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}"


# Pages whose parameters are not records of a person: admin, links that carry their own
# secret (customer portal, surveys, calendar feeds), catalogue and report pages.
PAGE_EXEMPT = re.compile(
    r"^(admin/|api/|p/|s/|survey/|portal/|calendar/|i18n/|static/|media/)"
    r"|<(?:str:)?(?:token|url|fmt|kind|measure|app_label|number)>"
)


def _record_pages():
    for route, name in _page_patterns():
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if names and not PAGE_EXEMPT.search(route) and set(names) <= OBJECT_PARAMS:
            yield route, name, set(names)


def _page_url(route: str, ids: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)


def test_pages_of_a_record_outside_sight_answer_404(client, demo):
    asker, _ops, world = demo
    queue = QUEUES.get(asker.username)
    client.force_login(asker)
    checked, skipped, wrong = 0, 0, []
    for route, _name, names in _record_pages():
        if queue and names <= queue.everywhere:
            skipped += 1
            continue
        url = _page_url(route, world.ids)
        # 404 (or 403 where a role is checked first); 405 for the method a view does not take
        statuses = [getattr(client, method)(url).status_code for method in ("get", "post")]
        checked += 1
        if not set(statuses) <= {403, 404, 405} or statuses == [405, 405]:
            wrong.append(f"{url} ({route}): GET {statuses[0]}, POST {statuses[1]}")
    assert wrong == [], "\n".join(wrong)
    assert checked + skipped > 50


@pytest.mark.parametrize("role", list(QUEUES))
def test_a_roles_pages_reach_its_queue_as_its_rules_say(client, demo_company, role):
    asker = User.objects.get(username=role)
    queue, world = QUEUES[role], _foreign_world(asker)
    client.force_login(asker)
    ids = {**world.ids, **world.queue, "user_id": asker.pk}
    pages = {name: (route, names) for route, name, names in _record_pages()}
    assert set(queue.pages) <= set(pages), set(queue.pages) - set(pages)
    mine = _queue_records(world.queue)
    before, audit = _snapshot(mine), LogEntry.objects.count()
    wrong = []
    for name, expected in queue.pages.items():
        route, names = pages[name]
        assert names <= set(world.queue), (role, route)
        url, data = _page_url(route, ids), PAGE_DATA.get(name, lambda ids: {})(ids)
        if expected == REACH:
            answers = [_undone(lambda: client.get(url)), _undone(lambda: client.post(url, data))]  # noqa: B023
        else:
            answers = [client.get(url), client.post(url, data)]
        statuses = [r.status_code for r in answers]
        answered = [r for r in answers if r.status_code != 405]
        if not answered or not all(_answers(expected, r) for r in answered):
            wrong.append(f"{url} ({name}): GET {statuses[0]}, POST {statuses[1]} (not {expected})")
    assert wrong == [], "\n".join(wrong)
    assert _snapshot(mine) == before and LogEntry.objects.count() == audit
