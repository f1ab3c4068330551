"""Nightly: schemathesis chains operations (a created record's id into the calls that take
it, by the links it infers from the schema's names) over the demo company, with the same
checks as test_fuzz.py. Not collected by the suite; run it by naming it:

    SALESOP_FUZZ_STEPS=50 SALESOP_FUZZ_EXAMPLES=200 pytest tests/api/nightly_stateful.py
"""

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.test_fuzz import EXAMPLES, FIXED_SEED, _refused_by_the_schema_it_met, fuzz  # noqa: F401

STEPS = int(os.environ.get("SALESOP_FUZZ_STEPS", "20"))


@pytest.mark.django_db
def test_chained_operations_keep_their_schema(fuzz):  # noqa: F811
    class Machine(fuzz.schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": fuzz.headers}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(
                response,
                headers=fuzz.headers,
                excluded_checks=[positive_data_acceptance],
                transport_kwargs={"headers": fuzz.headers},
            )
            if case.meta is not None and case.meta.generation.mode.is_positive:
                assert not _refused_by_the_schema_it_met(response), case.as_curl_command()

    with transaction.atomic():
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                derandomize=FIXED_SEED,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
        transaction.set_rollback(True)
