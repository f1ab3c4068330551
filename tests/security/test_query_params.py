"""Odd query parameters never answer 5xx: every page of the URL configuration (generated from
the resolver) and every GET operation of the API, asked by sales ops and by a rep with each
path parameter naming a record they may see, with each query parameter the page's app reads
(found in its source) or the operation takes set to each hostile value. A value that is not
what the page wants is ignored or refused with a message, never a 500."""

import re
import sys
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.test import Client

from salesop.accounts.models import ApiToken, User

from .openapi import operations
from .urls import routes

pytestmark = [pytest.mark.django_db, pytest.mark.no_clock]

HOSTILE = [
    "abc",
    "²",  # str.isdigit() accepts it, int() does not
    "-1",
    "99999999999999999999",  # beyond any database's integer
    "9" * 5000,  # beyond int()'s digits
    "",
    "0x1",
    "1.5",
    "2026-02-30",
    "\x00",
]
# Query parameters read in ways the patterns below do not see.
READ_OTHERWISE = {
    "salesop.pricing": {"product"},  # any parameter ending in "product" (product_price)
}
# The parameters the views of this code base are known to read, so a change that hides them
# from the patterns below fails here instead of leaving them unwalked.
KNOWN = {"from", "account", "a", "b", "month", "team", "owner", "channel", "status", "q"}
KNOWN |= {"audience", "category", "field", "format", "industry", "grade", "product"}

_ALIAS = re.compile(r"(\w+) = (?:request\.GET|QueryDict\(\w+\))")
_FORM = re.compile(r"(\w+)\(\s*request\.GET\b")


def _names_in(module) -> set[str]:
    source = Path(module.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r"GET(?:\.get|\.getlist)\(\s*[\"'](\w+)", source))
    names |= set(re.findall(r"GET\[[\"'](\w+)", source))
    for alias in set(_ALIAS.findall(source)):
        names |= set(re.findall(rf"\b{alias}(?:\.get|\.getlist)\(\s*[\"'](\w+)", source))
        names |= set(re.findall(rf"\b{alias}\[[\"'](\w+)", source))
    for form_name in set(_FORM.findall(source)):
        form = getattr(module, form_name, None)
        if isinstance(form, type) and issubclass(form, forms.BaseForm):
            names |= set(form.base_fields)
    return names


_by_app: dict[str, set[str]] = {}


def query_names(view) -> set[str]:
    """The query parameters read anywhere in the app of `view` (its views, their helpers,
    the forms they bind to request.GET): every page of the app gets them all."""
    package = view.__module__.rsplit(".", 1)[0]
    if package not in _by_app:
        names = set(READ_OTHERWISE.get(package, ()))
        folder = Path(sys.modules[package].__file__).parent
        for path in folder.glob("*.py"):
            module = __import__(f"{package}.{path.stem}", fromlist=["_"])
            names |= _names_in(module)
        _by_app[package] = names
    return _by_app[package]


def _model(label: str):
    return apps.get_model(*label.split("."))


def _ids(rep: User) -> dict[str, object]:
    """Records of the rep's (sales ops see them too) for every path parameter the demo has
    one for; the others are left to the dummy values (a 404, which is no 5xx)."""
    deals = _model("deals.Deal").objects.filter(owner=rep).order_by("pk")
    deal = deals.filter(quotes__isnull=False, contracts__isnull=False).first() or deals.first()
    contract = deal.contracts.first()
    project = _model("aftersales.DeliveryProject").objects.filter(owner=rep).first()
    enrollment = _model("enablement.Enrollment").objects.filter(user=rep).first()
    found = {
        "account_id": deal.account,
        "deal_id": deal,
        "lead_id": _model("leads.Lead").objects.filter(owner=rep).first(),
        "need_id": deal.needs.first(),
        "keyword_id": deal.keywords.first(),
        "stakeholder_id": deal.stakeholders.first(),
        "objection_id": deal.objections.first(),
        "quote_id": deal.quotes.first(),
        "approval_id": _model("pricing.Approval").objects.filter(quote__deal=deal).first(),
        "proposal_id": deal.proposals.first(),
        "contract_id": contract,
        "file_id": contract and contract.documents.first(),
        "project_id": project,
        "milestone_id": project and project.milestones.first(),
        "update_id": project and project.updates.first(),
        "ticket_id": _model("aftersales.Ticket").objects.filter(owner=rep).first(),
        "revisit_id": _model("aftersales.Revisit").objects.filter(owner=rep).first(),
        "task_id": _model("activities.Task").objects.filter(assignee=rep).first(),
        "token_id": ApiToken.objects.filter(user=rep).first(),
        "enrollment_id": enrollment,
        "module_id": enrollment and enrollment.course.modules.first(),
        "version_id": _model("playbook.PlaybookVersion").objects.first(),
        "template_id": _model("contracts.ContractTemplate").objects.first(),
        "product_id": _model("pricing.Product").objects.first(),
    }
    ids = {name: record.pk for name, record in found.items() if record is not None}
    return {**ids, "key": "contract"}


def _asked(client: Client, url: str, names, value: str):
    return client.get(url, dict.fromkeys(sorted(names), value))


@pytest.mark.parametrize("username", ["ops", "rep"])
def test_no_page_answers_5xx_to_odd_query_parameters(demo_company, username):
    asker = User.objects.get(username=username)
    client = Client(raise_request_exception=False)
    client.force_login(asker)
    ids = _ids(User.objects.get(username="rep"))
    wrong, asked, walked = [], set(), 0
    for url, _route, name, match in routes(ids):
        if url.startswith(("/admin/", "/api/")):
            continue  # the admin is Django's; the API is walked below from its description
        names = query_names(match.func)
        if not names:
            continue
        asked |= names
        walked += 1
        for value in HOSTILE:
            response = _asked(client, url, names, value)
            documented = name == "health" and response.status_code == 503  # no sweep yet
            if response.status_code >= 500 and not documented:
                wrong.append(f"GET {url} ({name}) {sorted(names)}={value[:20]!r}: 5xx")
    assert wrong == [], "\n".join(wrong)
    assert KNOWN <= asked, KNOWN - asked
    assert walked > 100


@pytest.mark.parametrize("username", ["ops", "rep"])
def test_no_api_read_answers_5xx_to_odd_query_parameters(demo_company, username):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    ids = _ids(User.objects.get(username="rep"))
    wrong, walked = [], 0
    for path, method, op, _schema in operations(client):
        names = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        if method != "get" or not names or op["operationId"].startswith("openapi"):
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 999999)), path)
        walked += 1
        for value in HOSTILE:
            response = _asked(client, url, names, value)
            if response.status_code >= 500:
                wrong.append(f"GET {url} ({op['operationId']}) {sorted(names)}={value[:20]!r}")
    assert wrong == [], "\n".join(wrong)
    assert walked > 5


def test_odd_numbers_posted_to_forms_are_refused_or_ignored(demo_company):
    """The same family in form fields: each answers as for any other bad value."""
    ops = Client(raise_request_exception=False)
    ops.force_login(User.objects.get(username="ops"))
    account = _model("customers.Account").objects.order_by("pk").first()
    merge = ops.post(f"/customers/{account.pk}/merge/", {"other": "²"})
    assert merge.status_code == 302 and merge["Location"].endswith(f"/customers/{account.pk}/")
    assert ops.post("/alerts/inbox/read/", {"id": ["²", "-1", "9" * 5000]}).status_code == 302
    switched = ops.post("/language/", {"language": "en", "next": "abc"})
    assert switched.status_code == 302 and switched["Location"] == "/"
    assert ops.get("/login/code/", {"next": "abc"})["Location"] == "/"
