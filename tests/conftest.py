import os
import sys
from datetime import datetime

import pytest
import time_machine

from salesop.core.testing import make_org

# CI runs the suite again with the clock at awkward instants (New Year's Eve's last minute in
# Shanghai, the first half hour of a year and of a month after 29 February while UTC is still
# in the one before), so a test that depends on today's date fails the day it is written, not
# months later. Each test starts at the instant
# and time runs on from there; fixtures shared by many tests are built at it too.
TEST_CLOCK = os.environ.get("SALESOP_TEST_CLOCK", "")
_session_clock = None


def _clock_start() -> datetime:
    try:
        start = datetime.fromisoformat(TEST_CLOCK)
    except ValueError as exc:
        raise pytest.UsageError(f"SALESOP_TEST_CLOCK is not an ISO time: {exc}") from exc
    if start.tzinfo is None:
        raise pytest.UsageError("SALESOP_TEST_CLOCK needs an offset, e.g. 2026-12-31T23:59+08:00")
    return start


def pytest_configure(config):
    global _session_clock
    if TEST_CLOCK:
        _session_clock = time_machine.travel(_clock_start(), tick=True)
        _session_clock.start()


def pytest_unconfigure(config):
    if _session_clock is not None:
        _session_clock.stop()


def pytest_report_header(config):
    if TEST_CLOCK:
        return f"clock: each test starts at {TEST_CLOCK} (SALESOP_TEST_CLOCK)"
    return None


@pytest.fixture(autouse=True)
def _test_clock():
    if not TEST_CLOCK:
        yield
        return
    with time_machine.travel(_clock_start(), tick=True):
        yield


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # A fixture shared by a module or the session is built at the instant too, not at the
    # instant plus however long the tests before it ran.
    if not TEST_CLOCK or fixturedef.scope == "function":
        return (yield)
    with time_machine.travel(_clock_start(), tick=True):
        return (yield)


def pytest_sessionstart(session):
    # CI sets this so a PostgreSQL run can never silently fall back to SQLite.
    if os.environ.get("SALESOP_REQUIRE_POSTGRES") and "postgres" not in os.environ.get(
        "SALESOP_DATABASE_URL", ""
    ):
        raise pytest.UsageError("SALESOP_REQUIRE_POSTGRES is set but SALESOP_DATABASE_URL is not")


def pytest_collection_modifyitems(config, items):
    # PostgreSQL proofs (row locks, concurrent transactions) are deselected, not skipped, on
    # SQLite; CI's PostgreSQL run selects them and fails if there are none. On PostgreSQL, the
    # tests that start salesop in other processes on a data directory of their own (their
    # environment's database settings cleared: SQLite) are deselected unless marked postgres:
    # they would only run again what the SQLite run ran (several minutes of the pass).
    if "postgres" in os.environ.get("SALESOP_DATABASE_URL", ""):
        kept = [
            item
            for item in items
            if item.get_closest_marker("process") is None
            or item.get_closest_marker("postgres") is not None
        ]
    else:
        kept = [item for item in items if item.get_closest_marker("postgres") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _default_language():
    # A request leaves its language active in the thread; each test starts from the default
    # (zh-hans), so a message a test reads does not depend on which test ran before it.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def org(db):
    return make_org()


def pytest_sessionfinish(session, exitstatus):
    # CI sets SALESOP_NO_SKIPS: a suite that skipped something proves less than it claims.
    if os.environ.get("SALESOP_NO_SKIPS") and exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and reporter.stats.get("skipped"):
            reporter.write_line("SALESOP_NO_SKIPS is set and tests were skipped", red=True)
            session.exitstatus = 1


# A record with a version column changes only through core.versioned (versioned_update for one
# record, versioned_bulk_update for a job moving many: the version checked or bumped, an audit
# entry): a save() of an existing one, or an UPDATE (update(), bulk_update(), an upsert) of its
# rows that does not move the version on by one, from the product's code fails every test that
# reaches it (raw SQL is not watched: the product writes none to these tables). A model may
# name columns it derives by itself (a nightly score) in UNVERSIONED_FIELDS: an UPDATE of only
# those moves nothing a person edits. Tests, and the demo's story (backdating what it just
# created), may still save() and update() to arrange a record.
def _versioned_models() -> list:
    """Every model of the product with a version column."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("salesop.")
        and any(f.name == "version" for f in model._meta.concrete_fields)
    ]


_PRODUCT = os.path.join("src", "salesop") + os.sep
_HELPERS = (os.path.join("core", "testing.py"), os.path.join("core", "versioned.py"))


def _helper(path: str) -> bool:
    """The test helpers, the versioned writes themselves, and an app's demo story (demo.py,
    demo_*.py): not a product file that merely ends in "demo.py"."""
    name = os.path.basename(path)
    return path.endswith(_HELPERS) or name == "demo.py" or name.startswith("demo_")


def _product_caller() -> str | None:
    """Where in the product's code the write comes from, or None when a test (or a test
    helper) makes it."""
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if path == __file__:
            frame = frame.f_back
            continue
        if _helper(path):
            return None
        if _PRODUCT in path:
            return f"{path}:{frame.f_lineno}"
        if os.sep + "tests" + os.sep in path and "site-packages" not in path:
            return None
        frame = frame.f_back
    return None


def _refuse_unversioned_save(sender, instance, **kwargs):
    if instance._state.adding:
        return
    where = _product_caller()
    if where:
        raise AssertionError(
            f"{sender.__name__} {instance.pk} saved with save() at {where}: "
            "write it with core.versioned.versioned_update"
        )


_DELETION = os.path.join("django", "db", "models", "deletion.py")


def _bumps(value) -> bool:
    """Whether an UPDATE's value for the version column moves it on (F("version") + 1), not
    to where it was or back (version=F("version"), version=1)."""
    from django.db.models import F, Value
    from django.db.models.expressions import CombinedExpression

    return (
        isinstance(value, CombinedExpression)
        and value.connector == "+"
        and value.lhs == F("version")
        and isinstance(value.rhs, Value)
        and value.rhs.value == 1
    )


def _refuse_unversioned_bulk(model, fields) -> None:
    if not any(f.name == "version" for f in model._meta.concrete_fields):
        return
    if isinstance(fields, dict) and _bumps(fields.get("version")):
        return
    if _DELETION in sys._getframe(2).f_code.co_filename:
        return  # a deletion's SET_NULL: the database's referential action, not an edit
    if set(fields) <= set(getattr(model, "UNVERSIONED_FIELDS", ())):
        return
    where = _product_caller()
    if where:
        raise AssertionError(
            f"{model.__name__} rows updated ({', '.join(sorted(fields))}) without moving their "
            f"version at {where}: write them with core.versioned.versioned_bulk_update"
        )


@pytest.fixture(autouse=True, scope="session")
def _versioned_writes_only():
    from django.db.models.query import QuerySet
    from django.db.models.signals import pre_save

    update, bulk_update, bulk_create = QuerySet.update, QuerySet.bulk_update, QuerySet.bulk_create

    def guarded_update(self, **kwargs):
        _refuse_unversioned_bulk(self.model, kwargs)
        return update(self, **kwargs)

    def guarded_bulk_update(self, objs, fields, *args, **kwargs):
        _refuse_unversioned_bulk(self.model, list(fields))
        return bulk_update(self, objs, fields, *args, **kwargs)

    def guarded_bulk_create(self, objs, *args, update_fields=None, **kwargs):
        if kwargs.get("update_conflicts"):  # an upsert: an UPDATE of the rows it meets
            _refuse_unversioned_bulk(self.model, list(update_fields or ()))
        return bulk_create(self, objs, *args, update_fields=update_fields, **kwargs)

    QuerySet.update, QuerySet.bulk_update = guarded_update, guarded_bulk_update
    QuerySet.bulk_create = guarded_bulk_create
    versioned = _versioned_models()
    assert {m._meta.label for m in versioned} >= {"deals.Deal", "leads.Lead", "pricing.Quote"}
    for model in versioned:
        pre_save.connect(_refuse_unversioned_save, sender=model)
    yield
    for model in versioned:
        pre_save.disconnect(_refuse_unversioned_save, sender=model)
    QuerySet.update, QuerySet.bulk_update = update, bulk_update
    QuerySet.bulk_create = bulk_create
