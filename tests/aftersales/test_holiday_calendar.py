"""The SLA calendar's public holidays: mainland China's days off and make-up working days (调休)
from a maintained library for every year it knows (not a list typed into the playbook for one
year), the playbook adding dates or overriding one, and sales ops warned from December when the
coming year's arrangement is not known yet."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from salesop.aftersales.business_calendar import arrangement_known
from salesop.aftersales.tickets import ticket_open
from salesop.core.testing import admin_login, make_account
from salesop.playbook.loader import InvalidPlaybook, parse_playbook
from salesop.playbook.services import default_playbook_text, playbook_activate, playbook_draft

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SH)


def low_ticket(org, opened: datetime):
    """A ticket of the default playbook's `low` severity: 16 working hours to a first response,
    counted 09:00-18:00 on working days."""
    with time_machine.travel(opened, tick=False):
        return ticket_open(
            account=make_account(org.rep, f"客户{opened:%Y%m%d}"),
            by=org.rep,
            channel="email",
            severity="low",
            title="导出报表失败",
            description="点击导出后没有反应",
        )


def test_a_ticket_opened_before_the_2027_spring_festival_comes_due_after_it(org):
    # Thursday 4 February 2027, the day before New Year's Eve: 8 working hours that day, and
    # the Spring Festival's days off (at least New Year's Eve to the third day, 5-8 February)
    # do not count.
    ticket = low_ticket(org, at(date(2027, 2, 4)))
    due = ticket.first_response_due_at.astimezone(SH)
    assert due > at(date(2027, 2, 8), 18)
    assert time(9) < due.time() <= time(18)


def test_make_up_working_days_count_and_the_official_days_off_do_not(org):
    # 2026: Sunday 20 September is worked in lieu of 6 October (the playbook's own list had
    # the 27th); 2 January is a day off and Sunday 4 January worked in lieu of it.
    assert low_ticket(org, at(date(2026, 9, 18))).first_response_due_at == at(date(2026, 9, 20), 17)
    assert low_ticket(org, at(date(2025, 12, 31))).first_response_due_at == at(date(2026, 1, 4), 17)


def test_the_playbook_adds_days_off_and_overrides_the_librarys_dates(org):
    version = playbook_draft(
        changes={
            # A company day off on Monday 21 September, no work on the make-up Sunday before
            # it, and work on 2 October, a public holiday.
            ("tickets", "calendar", "holidays"): ["2026-09-20", "2026-09-21"],
            ("tickets", "calendar", "workdays"): ["2026-10-02"],
        },
        by=org.ops,
        comment="company calendar",
    )
    playbook_activate(version=version, by=org.ops)
    assert low_ticket(org, at(date(2026, 9, 18))).first_response_due_at == at(date(2026, 9, 22), 17)
    assert low_ticket(org, at(date(2026, 9, 30))).first_response_due_at == at(date(2026, 10, 2), 17)


def test_without_public_holidays_only_the_playbooks_dates_count(org):
    version = playbook_draft(
        changes={("tickets", "calendar", "public_holidays"): None}, by=org.ops, comment="none"
    )
    playbook_activate(version=version, by=org.ops)
    # New Year's Day is then a working day like any other.
    assert low_ticket(org, at(date(2025, 12, 31))).first_response_due_at == at(date(2026, 1, 1), 17)


NOTICE = 'data-testid="holiday-calendar-notice"'


def pages(client) -> list[str]:
    return [client.get(url).content.decode() for url in ("/", "/playbook/")]


def test_ops_are_warned_from_december_when_next_years_calendar_is_not_known(org):
    assert arrangement_known("CN", 2026)  # the State Council's notice for 2026 is in the data
    unknown = next(year for year in range(2026, 2100) if not arrangement_known("CN", year))
    ops, rep = Client(), Client()
    admin_login(ops, org.ops)
    rep.force_login(org.rep)

    with time_machine.travel(at(date(unknown - 1, 11, 30), 12), tick=False):
        assert not any(NOTICE in page for page in pages(ops))
    with time_machine.travel(at(date(unknown - 1, 12, 1), 9), tick=False):
        for page in pages(ops):
            assert NOTICE in page
            notice = page.split(NOTICE)[1].split("</div>")[0]
            assert str(unknown) in notice
        assert not any(NOTICE in page for page in pages(rep))
        # One company day off of that year says nothing of its public holidays: still warned.
        version = playbook_draft(
            changes={("tickets", "calendar", "holidays"): [f"{unknown}-06-01"]},
            by=org.ops,
            comment="company outing",
        )
        playbook_activate(version=version, by=org.ops)
        assert all(NOTICE in page for page in pages(ops))
        # Ops type the announced dates in and mark the year listed: known again.
        version = playbook_draft(
            changes={
                ("tickets", "calendar", "holidays"): [f"{unknown}-06-01", f"{unknown}-01-01"],
                ("tickets", "calendar", "workdays"): [f"{unknown}-02-20"],
                ("tickets", "calendar", "listed_years"): [unknown],
            },
            by=org.ops,
            comment=f"{unknown} holidays",
        )
        playbook_activate(version=version, by=org.ops)
        assert not any(NOTICE in page for page in pages(ops))


def test_a_day_listed_both_off_and_worked_is_refused_where_it_is():
    text = default_playbook_text().replace(
        "    holidays: []\n    workdays: []\n",
        "    holidays: [2026-10-02]\n    workdays: [2026-10-10, 2026-10-02]\n",
    )
    with translation.override("en"), pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(text)
    (error,) = refused.value.errors
    assert error.path == "tickets.calendar.workdays[1]" and error.line is not None
    assert "2026-10-02 is also a day off" in error.message


@pytest.mark.parametrize(
    ("listed", "path", "message"),
    [
        (
            "[2031]",
            "tickets.calendar.listed_years[0]",
            "no day off of 2031 is under holidays: list the year's public holidays and make-up "
            "working days first",
        ),
        ("[2030, 2030]", "tickets.calendar.listed_years[1]", "2030 is listed twice"),
        ("[1999]", "tickets.calendar.listed_years[0]", "Enter 2000 or more"),
        ("[next]", "tickets.calendar.listed_years[0]", "whole number"),
    ],
)
def test_a_listed_year_without_its_days_or_out_of_range_is_refused_where_it_is(
    listed, path, message
):
    text = (
        default_playbook_text()
        .replace("    holidays: []\n", "    holidays: [2030-01-01]\n")
        .replace("    listed_years: []\n", f"    listed_years: {listed}\n")
    )
    with translation.override("en"), pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(text)
    (error,) = refused.value.errors
    assert error.path == path and error.line is not None
    assert message in error.message
