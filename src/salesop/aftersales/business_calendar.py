"""The calendar business-hour SLA clocks run on: the playbook's working hours, mainland China's
public holidays and make-up working days (调休) from the `holidays` library, and the playbook's
own days off and days worked on top. Also says when the coming year's public holidays are not
known yet, so sales ops can act before clocks run through a holiday."""

from datetime import date, time
from functools import lru_cache

import holidays as holiday_data

from salesop.aftersales.rules import BusinessCalendar
from salesop.core.time import company_zone
from salesop.playbook.schema import Playbook


@lru_cache(maxsize=64)
def public_days(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The library's (days off, weekend days worked in lieu) for `year`. For a year whose
    official arrangement it does not have yet it still computes the statutory days (the Spring
    Festival from the lunar calendar), without the make-up working days."""
    days = holiday_data.country_holidays(country, years=year)
    off = frozenset(day for day in days if day.year == year)
    worked = frozenset(day for day in days.weekend_workdays if day.year == year)
    return off, worked


def arrangement_known(country: str, year: int) -> bool:
    """Whether the library has the State Council's arrangement for `year`, not only the days
    it computes: every arrangement since 2000 has moved working days to weekends, and the
    library lists those only from the published notice."""
    return bool(public_days(country, year)[1])


def business_calendar(playbook: Playbook, years: range) -> BusinessCalendar:
    """The playbook's business calendar with the public holidays of `years` (the ones a clock
    starting then can reach). The playbook's own dates win over the library's: a day it lists
    as off is off, a day it lists as worked is worked."""
    spec = playbook.tickets.calendar
    off: set[date] = set()
    worked: set[date] = set()
    if spec.public_holidays:
        for year in years:
            public_off, public_worked = public_days(spec.public_holidays, year)
            off |= public_off
            worked |= public_worked
    own_off, own_worked = set(spec.holidays), set(spec.workdays)
    start_h, start_m = (int(x) for x in spec.start.split(":"))
    end_h, end_m = (int(x) for x in spec.end.split(":"))
    return BusinessCalendar(
        zone=company_zone(),
        start=time(start_h, start_m),
        end=time(end_h, end_m),
        weekdays=frozenset(spec.weekdays),
        holidays=frozenset((off - own_worked) | own_off),
        workdays=frozenset((worked - own_off) | own_worked),
    )


def unknown_holiday_year(playbook: Playbook, today: date) -> int | None:
    """The year, this one or (from December) the next, whose public holidays the SLA calendar
    does not know: neither the library has its arrangement nor the playbook marks the year as
    listed in full (`listed_years`, after ops typed in the announced dates). A company day off
    of that year alone does not count: it says nothing of the public holidays. None when all
    is known or the playbook takes no public holidays."""
    spec = playbook.tickets.calendar
    if not spec.public_holidays:
        return None
    years = [today.year, today.year + 1] if today.month == 12 else [today.year]
    for year in years:
        if year not in spec.listed_years and not arrangement_known(spec.public_holidays, year):
            return year
    return None
