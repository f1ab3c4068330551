"""API fuzzing: schemathesis generates requests for every operation in /api/v1/openapi.json,
valid ones and ones that break the schema, and sends them in process to the real API over the
demo company, signed in as sales ops (who sees every team). Path ids are random numbers half
the time and real demo records the other half, so bodies reach the business rules, not only
the 404. Every answer must be documented (status, content type, headers, body schema), no
request may cause a 5xx, a request breaking the schema must be refused with a 4xx, and a
request the schema allows may be refused only by a business rule (a 422 with its own code),
never by the input validation the schema was supposed to describe. Each case runs in a
savepoint that is rolled back, so every case starts from the same demo data and a failure
replays exactly.

SALESOP_FUZZ_EXAMPLES sets the cases per operation (20 by default: CI's time on two cores;
10 in CI's PostgreSQL pass) and SALESOP_FUZZ_RANDOM=1 draws new ones on every run instead of
the fixed seed, for the nightly run:
    SALESOP_FUZZ_EXAMPLES=200 SALESOP_FUZZ_RANDOM=1 pytest tests/api/test_fuzz.py"""

import os
from dataclasses import dataclass

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja import NinjaAPI
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from salesop.accounts.models import User
from salesop.accounts.services import api_token_create
from salesop.api import api
from salesop.demo import load_demo
from salesop.wsgi import application

EXAMPLES = int(os.environ.get("SALESOP_FUZZ_EXAMPLES", "20"))
FIXED_SEED = os.environ.get("SALESOP_FUZZ_RANDOM", "") != "1"
NEGATIVE_SHARE = 0.3  # of the cases, those that break the schema on purpose

# The document as the code declares it, read at collection, before any database: the custom
# fields it describes at run time (playbook.openapi) are none in the test database.
RAW_SCHEMA = NinjaAPI.get_openapi_schema(api)
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, methods in RAW_SCHEMA["paths"].items()
    for method in methods
]

# The record each path parameter names; a child's parent is read from the child, so nested
# paths (a deal's need) name a matching pair.
RECORDS = {
    "account_id": "customers.Account",
    "deal_id": "deals.Deal",
    "lead_id": "leads.Lead",
    "need_id": "deals.Need",
    "keyword_id": "deals.KeywordTag",
    "stakeholder_id": "deals.Stakeholder",
    "objection_id": "deals.DealObjection",
    "proposal_id": "deals.Proposal",
    "task_id": "activities.Task",
    "quote_id": "pricing.Quote",
    "approval_id": "pricing.Approval",
    "product_id": "pricing.Product",
    "contract_id": "contracts.Contract",
    "file_id": "contracts.ContractDocument",
    "template_id": "contracts.ContractTemplate",
    "project_id": "aftersales.DeliveryProject",
    "milestone_id": "aftersales.Milestone",
    "update_id": "aftersales.ProgressUpdate",
    "ticket_id": "aftersales.Ticket",
    "revisit_id": "aftersales.Revisit",
    "enrollment_id": "enablement.Enrollment",
    "module_id": "enablement.Module",
    "version_id": "playbook.PlaybookVersion",
    "endpoint_id": "monitor.WebhookEndpoint",
    "job_id": "leads.ImportJob",
}
PER_KIND = 6  # records of each kind to choose from: open and closed, early and late


@dataclass
class Fuzz:
    schema: schemathesis.schemas.BaseSchema
    headers: dict[str, str]
    token_id: int


@pytest.fixture(scope="module")
def fuzz(request, django_db_setup, django_db_blocker):
    """The demo company, loaded once for the module and rolled back after it. As in Django's
    test client, requests keep the database connection open: it holds the test's transaction
    (a request's end would close it on PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    request.addfinalizer(lambda: signals.request_started.connect(close_old_connections))
    request.addfinalizer(lambda: signals.request_finished.connect(close_old_connections))
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        token, secret = api_token_create(user=User.objects.get(username="ops"), name="fuzz")
        schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
        schema.app = application
        yield Fuzz(schema, {"Authorization": f"Bearer {secret}"}, token.pk)
        transaction.set_rollback(True)


def _real_ids(path: str) -> list[dict[str, int]]:
    """Sets of real ids for a path's parameters (child first, parents read from it)."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if not names or any(name not in RECORDS for name in names):
        return []
    child = apps.get_model(*RECORDS[names[-1]].split("."))
    pks = list(child.objects.order_by("pk").values_list("pk", flat=True))
    spread = sorted({pks[i * len(pks) // PER_KIND] for i in range(PER_KIND)}) if pks else []
    choices = []
    for record in child.objects.filter(pk__in=spread).order_by("pk"):
        ids = {names[-1]: record.pk}
        for parent in names[:-1]:
            if not hasattr(record, parent):
                break
            ids[parent] = getattr(record, parent)
        else:
            choices.append(ids)
    return choices


def _refused_by_the_schema_it_met(response) -> bool:
    """A 422 from input validation (code "schema"), or a 400: the request was valid by the
    schema, so the schema did not say what the API takes."""
    if response.status_code == 400:
        return True
    if response.status_code != 422:
        return False
    return response.json().get("code") == "schema"


@pytest.mark.django_db
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_keeps_its_schema_under_generated_requests(fuzz, label):
    method, path = label.split(" ", 1)
    operation = fuzz.schema[path][method]
    real = _real_ids(operation.path)
    strategies = []
    for mode, share in (
        (GenerationMode.POSITIVE, 1 - NEGATIVE_SHARE),
        (GenerationMode.NEGATIVE, NEGATIVE_SHARE),
    ):
        generated = [operation.as_strategy(generation_mode=mode)]
        if real:  # half the cases on real records
            generated.append(
                st.one_of(
                    [
                        operation.as_strategy(generation_mode=mode, path_parameters=ids)
                        for ids in real
                    ]
                )
            )
        strategies.append((mode, st.one_of(generated), max(1, round(EXAMPLES * share))))

    for mode, cases, examples in strategies:
        _send(fuzz, cases, examples, positive=mode is GenerationMode.POSITIVE)


def _send(fuzz: Fuzz, cases, examples: int, *, positive: bool) -> None:
    @settings(
        max_examples=examples,
        derandomize=FIXED_SEED,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def check(case):
        if str((case.path_parameters or {}).get("token_id")) == str(fuzz.token_id):
            return  # revoking the fuzzer's own token would end the run, not test it
        with transaction.atomic():
            response = case.call(headers=fuzz.headers)
            case.validate_response(
                response,
                headers=fuzz.headers,
                excluded_checks=[positive_data_acceptance],
                transport_kwargs={"headers": fuzz.headers},
            )
            if positive:
                assert not _refused_by_the_schema_it_met(response), (
                    f"a request the schema allows was refused by input validation: "
                    f"{response.status_code} {response.content[:500]!r}\n"
                    f"{case.as_curl_command()}"
                )
            transaction.set_rollback(True)

    check()
