""" "Now" is read from one clock: Django's (`timezone.now()`), never the database's.

The suite moves Django's clock (time_machine, and SALESOP_TEST_CLOCK for the whole suite), and
app servers, workers and a PostgreSQL server on another machine need not agree to the second:
SQL that reads the database's own clock (`now()`, `CURRENT_TIMESTAMP`, SQLite's
`date('now')`, Django's `Now()`) would disagree with every time the application writes."""

import re
from datetime import UTC, datetime
from pathlib import Path

import time_machine

import salesop
from salesop.core.testing import make_lead

DATABASE_CLOCK = re.compile(
    # Django's Now(), SQL's now() (a Python call always has a dot or name before it),
    # CURRENT_TIMESTAMP and friends, PostgreSQL's other clocks and 'now' literal, SQLite's
    # date('now') family
    r"(?<![.\w])(?i:now)\(\)|\bfunctions\.Now\(|(?i:\bCURRENT_(?:TIMESTAMP|DATE|TIME)\b)"
    r"|(?i:\blocaltimestamp\b)|\bLOCALTIME\b"  # (Python's localtime() is lower case)
    r"|(?i:\b(?:statement|transaction|clock)_timestamp\(|\btimeofday\()"
    r"|(?i:'now'::)"
    r"|(?i:\b(?:date|datetime|julianday|strftime|unixepoch)\([^)]*'now')"
)


def test_no_code_reads_the_database_clock():
    root = Path(salesop.__file__).parent
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DATABASE_CLOCK.search(line)
    ]
    assert found == []


def test_the_scan_knows_each_way_sql_reads_its_clock():
    for line in (
        "Now()",
        "models.functions.Now()",
        "SELECT now()",
        "DEFAULT CURRENT_TIMESTAMP",
        "WHERE at < LOCALTIMESTAMP",
        "WHERE at < localtimestamp",
        "SELECT LOCALTIME",
        "SELECT statement_timestamp()",
        "SELECT clock_timestamp()",
        "SELECT transaction_timestamp()",
        "SELECT 'now'::timestamptz",
        "WHERE day = date('now')",
        "strftime('%s', 'now')",
    ):
        assert DATABASE_CLOCK.search(line), line
    for line in (
        "timezone.now()",
        "self.now()",
        "known()",
        "timezone.localtime(at)",
        "the current time",
    ):
        assert not DATABASE_CLOCK.search(line), line


def test_rows_are_stamped_with_the_applications_clock(org):
    moved = datetime(2028, 2, 29, 23, 59, 30, tzinfo=UTC)
    with time_machine.travel(moved, tick=False):
        lead = make_lead(org.rep, company="闰日线索 Leap-day lead")
    lead.refresh_from_db()
    assert lead.created_at == moved


# The company's calendar decides a report's month, a due date, a contract number's year; the
# reader's zone (activated per request) only how times are shown. Dates taken in the active
# zone are allowed where the user's own day is meant.
READERS_DAY = re.compile(r"timezone\.localdate\(|localtime\([^)]*\)\.date\(\)|Trunc\w*\([^)]*\)")
USERS_OWN_DAY = {"activities/selectors.py"}  # "my work": today's tasks in the user's zone


def test_the_companys_calendar_is_not_taken_in_the_readers_zone():
    root = Path(salesop.__file__).parent
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(root)) not in USERS_OWN_DAY
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (match := READERS_DAY.search(line)) and "tzinfo=" not in match.group()
    ]
    assert found == []


def test_the_nightly_and_monthly_work_run_on_the_companys_clock(settings):
    # huey asks each minute with a naive UTC time; the hours were UTC ones written for
    # Shanghai, so a company in New York had its nightly work at 13:30 and its month's review
    # on the 1st at 13:00, before the month was over
    from salesop.monitor.tasks import monthly, nightly

    def runs(task, *utc):
        return task.task_class().validate_datetime(datetime(*utc))  # noqa: DTZ001 (huey's)

    assert runs(nightly, 2027, 1, 1, 18, 30) and not runs(nightly, 2027, 1, 1, 7, 30)
    assert runs(monthly, 2027, 3, 1, 17, 0)  # 01:00 on 2 March in Shanghai
    settings.TIME_ZONE = "America/New_York"
    assert runs(nightly, 2027, 1, 1, 7, 30) and not runs(nightly, 2027, 1, 1, 18, 30)
    assert runs(monthly, 2027, 3, 2, 6, 0) and not runs(monthly, 2027, 3, 1, 17, 0)
    assert runs(nightly, 2027, 7, 1, 6, 30)  # daylight saving time: 02:30 is 06:30 UTC
