"""The one versioned write: a change lands only on the version its writer read, bumps it, stamps
updated_at and always leaves an audit entry attributed to its author; a stale one is a 409."""

import pytest
from auditlog.models import LogEntry

from salesop.core.errors import StaleWrite
from salesop.core.events import subscribe
from salesop.core.testing import make_lead
from salesop.core.versioned import versioned_bulk_update, versioned_update
from salesop.leads.models import Lead

pytestmark = pytest.mark.django_db
STALE = "Someone else changed this lead."


def test_a_write_on_the_version_read_bumps_it_and_is_audited(org):
    lead = make_lead(org.rep)
    before = (lead.version, lead.updated_at)
    versioned_update(lead, by=org.manager, stale=STALE, notes="回访时间改到周五")

    stored = Lead.objects.get(pk=lead.pk)
    assert stored.version == before[0] + 1 == lead.version
    assert stored.updated_at > before[1] and stored.notes == "回访时间改到周五"
    entry = LogEntry.objects.get_for_object(stored).latest("timestamp")
    assert entry.actor == org.manager and "notes" in entry.changes_dict


def test_a_write_on_an_older_version_is_refused_and_changes_nothing(org):
    lead = make_lead(org.rep)
    other = Lead.objects.get(pk=lead.pk)
    versioned_update(other, by=org.manager, stale=STALE, notes="first")
    with pytest.raises(StaleWrite) as refused:
        versioned_update(lead, by=org.rep, stale=STALE, notes="second")
    assert refused.value.message == STALE
    with pytest.raises(StaleWrite):  # the version a page showed, though the instance is fresh
        versioned_update(other, by=org.rep, stale=STALE, expected_version=1, notes="third")
    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.notes, stored.version) == ("first", 2)


def test_a_guard_that_no_longer_holds_is_refused(org):
    lead = make_lead(org.rep)
    with pytest.raises(StaleWrite):
        versioned_update(lead, by=org.rep, stale=STALE, guard={"status": "won"}, notes="x")
    assert Lead.objects.get(pk=lead.pk).version == lead.version


def test_a_bulk_job_moves_every_version_and_audits_each_row_to_its_author(org):
    leads = [make_lead(org.rep, company=f"杭州{i}号科技") for i in range(3)]
    untouched = make_lead(org.rep, company="Acme Co., Ltd.")
    written = versioned_bulk_update(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]), by=org.ops, notes="合并后复核"
    )

    assert written == 3
    for lead in leads:
        stored = Lead.objects.get(pk=lead.pk)
        assert (stored.version, stored.notes) == (lead.version + 1, "合并后复核")
        entry = LogEntry.objects.get_for_object(stored).latest("timestamp")
        assert entry.actor == org.ops and "notes" in entry.changes_dict
        with pytest.raises(StaleWrite):  # a form read before the job
            versioned_update(lead, by=org.rep, stale=STALE, notes="rep's old form")
    assert Lead.objects.get(pk=untouched.pk).version == untouched.version
    assert versioned_bulk_update(Lead.objects.none(), by=org.ops, notes="x") == 0


HEARD: list[tuple] = []


@subscribe("leads.lead.changed")
def _heard(instance, fields, by) -> None:
    HEARD.append((instance.pk, fields, by))


def test_every_versioned_write_is_published_for_subscribers(org):
    # a hand-off or a timeline subscribes to one stream, whichever service wrote the change
    lead, other = make_lead(org.rep), make_lead(org.rep, company="杭州智造科技")
    HEARD.clear()
    versioned_update(lead, by=org.manager, stale=STALE, notes="周五回访")
    versioned_bulk_update(Lead.objects.filter(pk=other.pk), by=org.ops, region="浙江")
    assert [(pk, fields[0], by) for pk, fields, by in HEARD] == [
        (lead.pk, "notes", org.manager),
        (other.pk, "region", org.ops),
    ]
    with pytest.raises(StaleWrite):
        versioned_update(lead, by=org.rep, stale=STALE, expected_version=1, notes="旧的")
    assert len(HEARD) == 2  # a refused write publishes nothing


@pytest.mark.parametrize(
    "write",
    [
        "lead.save()",
        "Lead.objects.filter(pk=lead.pk).update(notes='x')",
        "Lead.objects.filter(pk=lead.pk).update(version=F('version'), notes='x')",
        "Lead.objects.filter(pk=lead.pk).update(version=1, notes='x')",
        "Lead.objects.bulk_update([lead], ['notes'])",
        "Lead.objects.update_or_create(pk=lead.pk, defaults={'notes': 'x'})",
        "Lead.objects.bulk_create([lead], update_conflicts=True, unique_fields=['id'], "
        "update_fields=['notes'])",
    ],
)
def test_product_code_that_writes_around_the_version_fails_the_tests_that_reach_it(org, write):
    # the guard in tests/conftest.py, as product code (a file under src/salesop) would meet it
    from pathlib import Path

    from django.db.models import F

    import salesop

    lead = make_lead(org.rep)
    code = compile(write, str(Path(salesop.__file__).parent / "imagined.py"), "exec")
    with pytest.raises(AssertionError, match="core.versioned"):
        exec(code, {"Lead": Lead, "F": F, "lead": lead})  # noqa: S102 (our own line, above)
    moved = compile(
        "Lead.objects.filter(pk=lead.pk).update(version=F('version') + 1, notes='x')",
        str(Path(salesop.__file__).parent / "imagined.py"),
        "exec",
    )
    exec(moved, {"Lead": Lead, "F": F, "lead": lead})  # noqa: S102
    assert Lead.objects.get(pk=lead.pk).version == lead.version + 1
