"""A record the asker may not see does not exist for them (accounts/visibility.py), also when
its id is an input field rather than the path: every form, body and query field that takes a
record's id answers an id that exists but is out of sight exactly as one that exists nowhere,
so ids cannot be enumerated. The API's fields are generated from its request schemas (every
`*_id`, `*_ids` and `ids`), each classified below: a new one that is not fails here. A control
shows each field is looked up at all: an id the asker sees answers otherwise. Pages, whose
forms have no schema, are listed in PAGE_FIELDS."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages
from django.db.models import Q

from salesop.accounts import selectors as account_selectors
from salesop.accounts.models import Role, Team, User
from salesop.aftersales.models import DeliveryProject, Ticket
from salesop.aftersales.rules import may_manage
from salesop.contracts.models import ContractTemplate
from salesop.core.testing import make_deal, make_lead
from salesop.customers.models import Account, Contact
from salesop.customers.services import contact_create
from salesop.deals.discovery.services import need_add
from salesop.deals.models import ObjectionEntry, Question
from salesop.deals.proposals.services import proposal_create
from salesop.enablement.models import RolePlayScenario
from salesop.enablement.selectors import people_looked_after
from salesop.insights import filters as insight_filters
from salesop.leads.models import Channel
from salesop.monitor.models import Notification
from salesop.pricing.models import Product
from salesop.pricing.services import quote_create

from .openapi import json_schema, minimal, operations, query, resolve
from .test_access_matrix import _foreign_world, _undone

pytestmark = pytest.mark.django_db

MISSING = 987_654_321  # an id no record has

# Fields whose records every signed-in user sees (catalogues): no id is out of anyone's sight.
CATALOGUE = {
    "channel_id": lambda: Channel.objects.filter(is_active=True).order_by("pk").first().pk,
    "product_id": lambda: Product.objects.filter(active=True).order_by("pk").first().pk,
    "template_id": lambda: ContractTemplate.objects.order_by("pk").first().pk,
    "entry_id": lambda: ObjectionEntry.objects.order_by("pk").first().pk,
    "question_ids": lambda: [Question.objects.order_by("pk").first().pk],
    "scenario_id": lambda: RolePlayScenario.objects.order_by("pk").first().pk,
}

# Operations that check the caller's role before anything in the body: every id answers 403
# to a caller without it, so the field is never reached (and tells nothing).
ROLE_FIRST = {
    "webhooks_create": "sales ops only (monitor.services.require_ops)",
    "leads_assign": "managers and sales ops only (leads.services.lead_assign)",
}


@dataclass
class Ids:
    hidden: dict[str, object]  # a record that exists and is out of the asker's sight
    seen: dict[str, object]  # a record in sight, where there is one (the control)
    path: dict[str, int]  # path parameters: records in sight, so the answer is the field's


def _user_out_of_sight(asker: User) -> int:
    seen = account_selectors.colleagues_visible_to(asker).values("pk")
    looked_after = people_looked_after(asker).values("pk")
    users = User.objects.filter(is_active=True).exclude(pk__in=seen).exclude(pk__in=looked_after)
    return users.order_by("pk").first().pk


def _team_out_of_sight(asker: User) -> int:
    seen = Q(pk__in=account_selectors.teams_visible_to(asker).values("pk"))
    seen |= Q(pk__in=insight_filters.teams_visible_to(asker).values("pk"))
    return Team.objects.exclude(seen).order_by("pk").first().pk


def _ids(asker: User) -> Ids:
    world = _foreign_world(asker).ids
    notification = Notification.objects.exclude(user=asker).order_by("pk").first()
    hidden = {
        "account_id": world["account_id"],
        "other_id": world["account_id"],
        "deal_id": world["deal_id"],
        "contact_id": Contact.objects.filter(account_id=world["account_id"]).first().pk,
        "contact_ids": [Contact.objects.filter(account_id=world["account_id"]).first().pk],
        "need_id": world["need_id"],
        "quote_id": world["quote_id"],
        "project_id": world["project_id"],
        "milestone_id": world["milestone_id"],
        "ticket_id": world["ticket_id"],
        "owner_id": _user_out_of_sight(asker),
        "trainee_id": _user_out_of_sight(asker),
        "team_id": _team_out_of_sight(asker),
        "ids": [notification.pk],
    }
    # The asker's own corner: a rep's own deal, a manager's report's (rolled back after).
    manager = Role.MANAGER in asker.roles
    colleagues = account_selectors.colleagues_visible_to(asker).exclude(pk=asker.pk)
    worker = colleagues.filter(team__isnull=False).first() if manager else asker
    deal = make_deal(worker, name="仓储系统二期")
    lead = make_lead(worker, company="苏州工业园区某制造公司")
    need = need_add(
        deal=deal, by=worker, kind="feature", summary="扫码出入库", customer_words="要随时知道库存"
    )
    contact = contact_create(account=deal.account, by=worker, name="周经理")
    proposal = proposal_create(deal=deal, by=worker)
    quote = quote_create(
        deal=deal, by=worker, lines=[{"description": "WMS 许可", "list_price": "100000"}]
    )
    unread = Notification.objects.create(user=asker, title="请跟进")
    # one a merge may fold in (a company in delivery too: its records move over)
    mergeable = Account.objects.visible_to(asker).exclude(pk=deal.account_id).order_by("pk").first()
    project = DeliveryProject.objects.visible_to(asker).filter(milestones__isnull=False).first()
    ticket = Ticket.objects.visible_to(asker).order_by("pk").first()
    seen = {
        "account_id": deal.account_id,
        "other_id": mergeable.pk if mergeable else None,
        "deal_id": deal.pk,
        "contact_id": contact.pk,
        "contact_ids": [contact.pk],
        "need_id": need.pk,
        "quote_id": quote.pk,
        "project_id": project.pk if project else None,
        "milestone_id": project.milestones.first().pk if project else None,
        "ticket_id": ticket.pk if ticket else None,
        "owner_id": worker.pk,
        "trainee_id": worker.pk if manager else None,  # a rep looks after no one but themselves
        "team_id": asker.team_id if manager else None,  # a rep filters by no team
        "ids": [unread.pk],
        **{field: find() for field, find in CATALOGUE.items()},
    }
    path = {
        "deal_id": deal.pk,
        "account_id": deal.account_id,
        "lead_id": lead.pk,
        "quote_id": quote.pk,
        "proposal_id": proposal.pk,
        "project_id": DeliveryProject.objects.visible_to(asker).order_by("pk").first().pk,
    }
    return Ids(hidden, {k: v for k, v in seen.items() if v is not None}, path)


def _id_fields(node, schema, path=()):
    """(path, schema) of every id field in a body schema; a path step "[]" is a list item."""
    node = resolve(node, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from _id_fields(option, schema, path)
    for name, prop in node.get("properties", {}).items():
        prop = resolve(prop, schema)
        if name.endswith(("_id", "_ids")) or name == "ids":
            yield (*path, name), prop
        if prop.get("type") == "array" and "items" in prop:
            yield from _id_fields(prop["items"], schema, (*path, name, "[]"))
        elif "properties" in prop or "anyOf" in prop:
            yield from _id_fields(prop, schema, (*path, name))


def _with(body: dict, path: tuple, value, node, schema) -> dict:
    """`body` with the field at `path` set to `value`, making the list or object on the way
    (a list item as the smallest its schema accepts)."""
    if len(path) == 1:
        return {**body, path[0]: value}
    name, rest = path[0], path[1:]
    prop = resolve(resolve(node, schema)["properties"][name], schema)
    if rest[0] == "[]":
        item = body.get(name, [None])[0] if body.get(name) else minimal(prop["items"], schema)
        return {**body, name: [_with(item, rest[1:], value, prop["items"], schema)]}
    return {**body, name: _with(body.get(name) or {}, rest, value, prop, schema)}


@dataclass
class Field:
    operation: str
    method: str
    path: str
    name: str
    where: str  # "body" or "query"
    field_path: tuple
    op: dict
    schema: dict


def _fields(client):
    """Every id field of the API: in each operation's JSON body and query."""
    for path, method, op, schema in operations(client):
        body = json_schema(op)
        for field_path, _prop in _id_fields(body, schema) if body else ():
            yield Field(
                op["operationId"], method, path, field_path[-1], "body", field_path, op, schema
            )
        for param in op.get("parameters", []):
            name = param["name"]
            if param["in"] == "query" and (name.endswith(("_id", "_ids")) or name == "ids"):
                yield Field(op["operationId"], method, path, name, "query", (name,), op, schema)


def _ask(client, field: Field, url: str, value, valid: dict):
    """The operation with the smallest valid input, its other required ids in sight, and
    `value` in the field; whatever it writes rolled back."""
    if field.where == "query":
        required = query(field.op, field.schema)
        url = f"{url}?{required + '&' if required else ''}{field.name}={value}"
        return _undone(lambda: getattr(client, field.method)(url))
    node = json_schema(field.op)
    body = minimal(node, field.schema)
    for other, _prop in _id_fields(node, field.schema):
        present = body
        for step in other[:-1]:
            present = (present.get(step) or [{}])[0] if step != "[]" else present
        if other != field.field_path and other[-1] in present and other[-1] in valid:
            body = _with(body, other, valid[other[-1]], node, field.schema)
    body = _with(body, field.field_path, value, node, field.schema)
    return _undone(
        lambda: getattr(client, field.method)(url, body, content_type="application/json")
    )


def _said(response, *ids) -> tuple[int, str]:
    """The status and the body, with the ids asked for written alike."""
    text = response.content.decode()
    for value in ids:
        for one in value if isinstance(value, list) else [value]:
            text = re.sub(rf"\b{one}\b", "<id>", text)
    return response.status_code, text


@pytest.fixture(params=["emily", "northmgr"])
def asker(request, demo_company):
    return User.objects.get(username=request.param)


def test_every_id_field_of_the_api_is_classified(client, demo_company):
    ids = _ids(User.objects.get(username="emily"))
    names = {field.name for field in _fields(client)}
    unclassified = sorted(names - set(ids.hidden) - set(CATALOGUE))
    assert unclassified == [], f"say how to find a record out of sight for: {unclassified}"


def test_an_id_out_of_sight_answers_like_a_missing_one_in_every_api_field(client, asker):
    ids = _ids(asker)
    client.force_login(asker)
    compared, different, unreached = 0, [], []
    for field in _fields(client):
        if field.name in CATALOGUE:
            continue
        url = field.path.format(**ids.path)
        hidden = ids.hidden[field.name]
        missing = [MISSING] if isinstance(hidden, list) else MISSING
        written = (MISSING, hidden, ids.seen.get(field.name, MISSING))
        a = _said(_ask(client, field, url, missing, ids.seen), *written)
        b = _said(_ask(client, field, url, hidden, ids.seen), *written)
        compared += 1
        if a != b:
            different.append(f"{field.operation} {field.name}: missing {a[0]} {a[1][:200]}")
            different.append(
                f"{' ' * len(field.operation)} {field.name}: hidden  {b[0]} {b[1][:200]}"
            )
        if field.name in ids.seen and field.operation not in ROLE_FIRST:
            c = _said(_ask(client, field, url, ids.seen[field.name], ids.seen), *written)
            if c == a:
                unreached.append(f"{field.operation} {field.name}: {a[0]} {a[1][:200]}")
    assert different == [], "\n".join(different)
    assert compared >= 25
    assert unreached == [], "an id in sight answers like a missing one:\n" + "\n".join(unreached)


@dataclass(frozen=True)
class PageField:
    """A page's input taking a record's id: `url` from the path ids, `data` beside the field
    (for a POST), and which record kind of Ids the field takes."""

    name: str
    method: str
    url: Callable[[dict], str]
    field: str
    kind: str
    data: Callable[[dict], dict] = lambda ids: {}
    control: bool = True  # False: the page's answer never says what the id found
    # the control's record where the field's kind is not enough (None: no control for asker)
    seen: Callable[[User, dict], int | None] | None = None


# Every form field and query parameter of a page that takes a record's id (forms have no
# schema to generate them from: a new one is added here).
PAGE_FIELDS = [
    PageField("case library: write a deal up", "post", lambda p: "/enablement/cases/new/",
              "deal", "deal_id"),
    PageField("new deal for a company", "get", lambda p: "/deals/new/", "account", "account_id"),
    PageField("new deal: its company", "post", lambda p: "/deals/new/", "account", "account_id",
              lambda p: {"name": "仓储系统三期", "amount": "100000", "currency": "CNY"}),
    PageField("deals filtered by owner", "get", lambda p: "/deals/", "owner", "owner_id"),
    PageField("deals filtered by team", "get", lambda p: "/deals/", "team", "team_id"),
    PageField("leads filtered by owner", "get", lambda p: "/leads/", "owner", "owner_id"),
    PageField("reassign a lead", "post", lambda p: f"/leads/{p['lead_id']}/assign/", "owner",
              "owner_id"),
    PageField("merge a duplicate company", "post",
              lambda p: f"/customers/{p['account_id']}/merge/", "other", "other_id"),
    PageField("add a stakeholder", "post", lambda p: f"/deals/{p['deal_id']}/stakeholders/",
              "contact", "contact_id", lambda p: {"role": "decision_maker"}),
    PageField("contract from a quote", "post", lambda p: f"/contracts/deal/{p['deal_id']}/new/",
              "quote", "quote_id", lambda p: {"template": CATALOGUE["template_id"]()}),
    PageField("survey after a ticket", "post", lambda p: "/delivery/surveys/send/", "ticket",
              "ticket_id", lambda p: {"email": "kehu@example.com"}),
    PageField("delivery team member", "post", lambda p: f"/delivery/{p['project_id']}/team/",
              "user", "owner_id", lambda p: {"role": "customer_success"},
              seen=lambda asker, p: _customer_success(asker, p["project_id"])),
    PageField("score a role-play", "post", lambda p: "/enablement/roleplays/new/", "trainee",
              "trainee_id", lambda p: {"scenario": CATALOGUE["scenario_id"]()}),
    PageField("mark notifications read", "post", lambda p: "/alerts/inbox/read/", "id", "ids",
              control=False),
    PageField("report for a team", "get", lambda p: "/insights/", "team", "team_id"),
    PageField("report for a person", "get", lambda p: "/insights/", "owner", "owner_id"),
]  # fmt: skip


def _customer_success(asker: User, project_id: int) -> int | None:
    """Someone who may join the project in that role, when the asker may change its team."""
    if not may_manage(asker, DeliveryProject.objects.get(pk=project_id)):
        return None
    return User.objects.filter(is_active=True, role_grants__role="customer_success").first().pk


def _page_said(response, *ids) -> tuple:
    """Status, where it sends, the messages it leaves and the page (without its CSRF tokens),
    the ids asked for written alike."""
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    page = b"" if response.streaming else response.content
    page = re.sub(rb"\b[A-Za-z0-9]{64}\b", b"<csrf>", page).decode()  # masked: new each time
    said = json.dumps([response.status_code, response.get("Location", ""), messages, page])
    for value in ids:
        for one in value if isinstance(value, list) else [value]:
            said = re.sub(rf"\b{one}\b", "<id>", said)
    return said


def test_an_id_out_of_sight_answers_like_a_missing_one_in_every_page_field(client, asker):
    ids = _ids(asker)
    client.force_login(asker)

    def ask(page: PageField, value):
        client.cookies.pop("messages", None)  # what an earlier answer left: not this one's
        url = page.url(ids.path)
        value = value[0] if isinstance(value, list) else value
        if page.method == "get":
            return _undone(lambda: client.get(url, {page.field: value}))
        return _undone(lambda: client.post(url, {**page.data(ids.path), page.field: value}))

    different, unreached = [], []
    for page in PAGE_FIELDS:
        hidden = ids.hidden[page.kind]
        written = (MISSING, hidden, ids.seen.get(page.kind, MISSING))
        a = _page_said(ask(page, MISSING), *written)
        b = _page_said(ask(page, hidden), *written)
        if a != b:
            at = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
            start = max(0, at - 150)
            different.append(
                f"{page.name} ({page.field}):\n  missing …{a[start : at + 150]}\n"
                f"  hidden  …{b[start : at + 150]}"
            )
        seen = page.seen(asker, ids.path) if page.seen else ids.seen.get(page.kind)
        if seen is not None and page.control:
            c = _page_said(ask(page, seen), *written)
            if c == a:
                unreached.append(f"{page.name} ({page.field}): {a[:300]}")
    assert different == [], "\n".join(different)
    assert unreached == [], "an id in sight answers like a missing one:\n" + "\n".join(unreached)
