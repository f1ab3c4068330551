"""SLA clocks in calendar hours and in business hours (nights, weekends, public holidays and
a weekend worked in lieu), breach lengths, and the weekly update drafted in both languages."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from salesop.aftersales.rules import (
    BusinessCalendar,
    MilestoneView,
    breach_seconds,
    progress_draft,
    sla_due_at,
)

SH = ZoneInfo("Asia/Shanghai")
# 2026-10-01 (Thursday) to 10-07 is the National Day holiday; Saturday 10-10 is worked.
CALENDAR = BusinessCalendar(
    zone=SH,
    start=time(9),
    end=time(18),
    holidays=frozenset(date(2026, 10, d) for d in (1, 2, 5, 6, 7)),
    workdays=frozenset({date(2026, 10, 10)}),
)


def at(day: str, clock: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "hours", "calendar", "due"),
    [
        # Calendar hours run through nights and weekends.
        (at("2026-11-27", "17:00"), 24, None, at("2026-11-28", "17:00")),
        (at("2026-11-27", "17:00"), 48, None, at("2026-11-29", "17:00")),
        # Business hours: Friday 17:00 + 4 h = Monday 12:00 (1 h Friday, 3 h Monday).
        (at("2026-11-27", "17:00"), 4, CALENDAR, at("2026-11-30", "12:00")),
        # Opened at night: the clock starts at the next opening.
        (at("2026-11-24", "22:30"), 2, CALENDAR, at("2026-11-25", "11:00")),
        # Opened on Saturday: starts Monday 09:00; 16 h = two full days.
        (at("2026-11-28", "10:00"), 16, CALENDAR, at("2026-12-01", "16:00")),
        # Exactly the end of a working day.
        (at("2026-11-24", "09:00"), 9, CALENDAR, at("2026-11-24", "18:00")),
        # Wednesday 30 Sep 16:00 + 8 h: 2 h that day, then the holiday and the weekend are
        # skipped (Oct 1-7), 6 h on Thursday 8 Oct.
        (at("2026-09-30", "16:00"), 8, CALENDAR, at("2026-10-08", "15:00")),
        # Friday 9 Oct 17:00 + 4 h: the Saturday worked in lieu counts.
        (at("2026-10-09", "17:00"), 4, CALENDAR, at("2026-10-10", "12:00")),
    ],
)
def test_sla_due_time(start, hours, calendar, due):
    assert sla_due_at(start, hours, calendar) == due


def test_sla_due_time_from_utc_input_is_the_same_instant():
    start = at("2026-11-27", "17:00").astimezone(ZoneInfo("UTC"))
    assert sla_due_at(start, 4, CALENDAR) == at("2026-11-30", "12:00")


def test_a_calendar_without_working_days_is_an_error():
    never = BusinessCalendar(zone=SH, weekdays=frozenset())
    with pytest.raises(ValueError):
        sla_due_at(at("2026-11-27"), 1, never)


def test_breach_length():
    due = at("2026-11-27", "12:00")
    assert breach_seconds(due, due - timedelta(minutes=1), due) == 0
    assert breach_seconds(due, due + timedelta(hours=3), due) == 3 * 3600
    assert breach_seconds(due, None, due + timedelta(minutes=5)) == 300  # still running
    assert breach_seconds(None, None, due) == 0


MILESTONES = [
    MilestoneView("系统部署", date(2026, 11, 20), date(2026, 11, 25)),
    MilestoneView("数据迁移", date(2026, 12, 4), None),
    MilestoneView("用户培训", date(2026, 12, 18), None),
]


def test_progress_draft_in_chinese():
    text = progress_draft(MILESTONES, date(2026, 11, 27), "zh-hans")
    assert text == "本周已完成系统部署\uff0c下周将进入数据迁移环节\u3002"


def test_progress_draft_in_english():
    english = [
        MilestoneView("system deployment", date(2026, 11, 20), date(2026, 11, 25)),
        MilestoneView("data migration", date(2026, 12, 4), None),
    ]
    text = progress_draft(english, date(2026, 11, 27), "en")
    assert text == (
        "This week we completed system deployment; next week we move on to data migration."
    )


def test_progress_draft_when_nothing_finished_and_when_all_done():
    quiet = progress_draft(MILESTONES[1:], date(2026, 11, 27), "zh-hans")
    assert quiet.startswith("本周项目按计划推进") and "数据迁移" in quiet
    done = [MilestoneView("验收", date(2026, 11, 20), date(2026, 11, 26))]
    assert "全部里程碑均已完成" in progress_draft(done, date(2026, 11, 27), "zh-hans")
