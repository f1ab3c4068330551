"""Pure after-sales rules: when an SLA clock runs out (calendar hours, or business hours that
skip nights, weekends and public holidays), how long a breach lasted, and the weekly progress
update drafted from the milestones."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import Role, User
from salesop.aftersales.models import DeliveryProject
from salesop.core.bilingual import reads_chinese

# What a writer is told when someone else changed the ticket or project since they read it.
STALE = gettext_lazy("Someone else changed this record. Reload it and try again.")


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in a time zone: `start`-`end` on `weekdays` (Monday = 1), except
    `holidays`, plus `workdays` (weekend days worked in lieu, as Chinese calendars have)."""

    zone: ZoneInfo
    start: time = time(9)
    end: time = time(18)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.isoweekday() in self.weekdays and day not in self.holidays


def sla_due_at(start: datetime, hours: int, calendar: BusinessCalendar | None = None) -> datetime:
    """When `hours` of SLA time after `start` are used up: plain elapsed hours without a
    calendar, else only working hours count (a ticket opened at night starts at the next
    opening)."""
    if calendar is None:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    moment = start.astimezone(calendar.zone)
    for _day in range(3660):  # at most ten years of days: a calendar with no working day ends
        day = moment.date()
        if calendar.is_workday(day):
            opens = datetime.combine(day, calendar.start, tzinfo=calendar.zone)
            closes = datetime.combine(day, calendar.end, tzinfo=calendar.zone)
            begin = max(moment, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        moment = datetime.combine(day + timedelta(days=1), time.min, tzinfo=calendar.zone)
    raise ValueError("the business calendar has no working hours")


def breach_seconds(due_at: datetime | None, done_at: datetime | None, now: datetime) -> int:
    """How long a clock ran past its due time (0 if met or not yet due), in seconds of
    elapsed time."""
    if due_at is None:
        return 0
    end = done_at or now
    return max(0, int((end - due_at).total_seconds()))


@dataclass(frozen=True)
class MilestoneView:
    title: str
    due: date
    done: date | None


def week_of(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def progress_draft(milestones: Iterable[MilestoneView], today: date, language: str) -> str:
    """The weekly update to the customer: what was finished this week and what comes next
    ("本周已完成系统部署\uff0c下周将进入数据迁移环节\u3002")."""
    monday = week_of(today)
    next_monday = monday + timedelta(days=7)
    items = list(milestones)
    done = [m.title for m in items if m.done and monday <= m.done < next_monday]
    upcoming = sorted((m for m in items if m.done is None), key=lambda m: m.due)
    following = [m.title for m in upcoming if m.due < next_monday + timedelta(days=7)]
    following = following or [m.title for m in upcoming[:1]]
    # The customer's language, not the reader's: Chinese, else English.
    with translation.override("zh-hans" if reads_chinese(language) else "en"):
        separator = _(", ")
        if done:
            this_week = _("This week we completed %(items)s") % {"items": separator.join(done)}
        else:
            this_week = _("The project is on plan")
        if following:
            next_week = _("next week we move on to %(items)s") % {
                "items": separator.join(following)
            }
        else:
            next_week = _("every milestone is complete")
        return _("%(this_week)s; %(next_week)s.") % {"this_week": this_week, "next_week": next_week}


# --- who may do what: the one answer for pages, the API and the services ---------------


def may_send_update(user: User, project: DeliveryProject) -> bool:
    """The project's team (its manager and those it is shared with) sends its weekly update."""
    return user.pk == project.owner_id or project.shared_with.filter(pk=user.pk).exists()


def may_manage(user: User, project: DeliveryProject) -> bool:
    """The project manager, the deal's manager or sales ops change the team and milestones."""
    if user.pk == project.owner_id or user.sees_everything:
        return True
    return (
        Role.MANAGER in user.roles
        and project.team_id is not None
        and user.team_id is not None
        and project.team.path.startswith(user.team.path)
    )
