"""Pure report arithmetic: funnel steps with their conversions and drop-off, percentiles of
durations, and a period's neighbours (the previous one, the same one a year earlier)."""

import re
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from salesop.core.time import company_zone


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    count: int
    # Share of the previous step that reached this one, and of the first step; None where
    # the base is zero (the report says "no data", it never divides by zero).
    step_rate: Decimal | None
    overall_rate: Decimal | None
    dropped: int


def rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def funnel_steps(counts: list[tuple[str, str, int]]) -> list[Step]:
    """Each step with its conversion from the step before and from the first, and how many
    the step before lost."""
    steps = []
    first = counts[0][2] if counts else 0
    previous = None
    for key, label, count in counts:
        steps.append(
            Step(
                key=key,
                label=label,
                count=count,
                step_rate=rate(count, previous) if previous is not None else None,
                overall_rate=rate(count, first),
                dropped=(previous - count) if previous is not None else 0,
            )
        )
        previous = count
    return steps


def percentile(values: list[float], q: int) -> float | None:
    """The q-th percentile (1-99) by linear interpolation between closest ranks (the standard
    library's inclusive quantiles); None for no values."""
    if len(values) < 2:
        return float(values[0]) if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass(frozen=True)
class Period:
    """A range of days, `start` to `end` inclusive, in the company's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before; a calendar month's is the month
        before."""
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            end = self.start - timedelta(days=1)
            return Period(end.replace(day=1), end)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> "Period":
        return Period(_minus_year(self.start), _minus_year(self.end))


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, following - timedelta(days=1))


def months_back(day: date, months: int) -> list[Period]:
    """The calendar month holding `day` and the `months - 1` before it, newest first."""
    month = month_period(day.year, day.month)
    result = [month]
    while len(result) < months:
        month = month.previous()
        result.append(month)
    return result


def months_to(period: Period, months: int) -> Period:
    """The `months` calendar months ending with the period's month."""
    year, month = period.end.year, period.end.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), period.end)


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as aware instants in the company's time zone: start, and the next day's
    start (exclusive)."""
    zone = company_zone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    return start, datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)


FIRST_YEAR = 1970  # the earliest month a report is asked for


def month_asked(value: str, today: date) -> tuple[Period, str | None]:
    """The month asked for as "YYYY-MM" (empty: this one). A malformed, future or too early
    month gives this month and the reason code ("format", "future" or "early"): a report
    compares with the year and the months before, which year 1 does not have."""
    current = month_period(today.year, today.month)
    if not value:
        return current, None
    match = re.match(r"^(\d{4})-(\d{2})$", value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return current, "format"
    if int(match.group(1)) < FIRST_YEAR:
        return current, "early"
    year, month = int(match.group(1)), int(match.group(2))
    if (year, month) > (today.year, today.month):  # before building it: 9999-12 has no next day
        return current, "future"
    return month_period(year, month), None
