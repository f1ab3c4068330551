"""The company's calendar.

Reports, due dates, contract numbers and "today" in business rules follow the company's time
zone (settings.TIME_ZONE, default Asia/Shanghai). A user's own zone, which the middleware
activates for each request, only changes how times are shown: a rep in New York must see the
same month's figures and the same overdue contracts as their manager in Shanghai.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def company_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def company_today() -> date:
    """Today's date in the company's time zone, whichever zone the request activated."""
    return timezone.now().astimezone(company_zone()).date()


def company_date(moment: datetime) -> date:
    """The company's calendar date of an aware instant."""
    return moment.astimezone(company_zone()).date()


def at_company_time(*, hour: int, minute: int, day: int | None = None):
    """A schedule for huey's periodic tasks: true in the minute the company's clock reads
    `hour`:`minute` (on day `day` of the month when given), whatever SALESOP_TIME_ZONE is.
    huey asks each minute with a naive UTC time (HUEY's utc=True)."""

    def due(moment: datetime) -> bool:
        local = moment.replace(tzinfo=UTC).astimezone(company_zone())
        return (local.hour, local.minute) == (hour, minute) and day in (None, local.day)

    return due


def day_in_company_time(day: date) -> datetime:
    """A past day from a file (a lead's or a deal's date) as a moment: noon of it in the
    company's zone, or now when today's noon is still ahead."""
    return min(datetime.combine(day, time(12), tzinfo=company_zone()), timezone.now())
