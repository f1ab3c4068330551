"""Calendar months counted back from a day: each month once, none skipped, whatever the day
(counting back 30 days at a time skipped February and repeated 31-day months)."""

from datetime import date

import pytest

from salesop.insights.rules import months_back


@pytest.mark.parametrize(
    ("day", "starts"),
    [
        (date(2026, 12, 31), ["2026-12-01", "2026-11-01", "2026-10-01", "2026-09-01"]),
        (date(2027, 3, 1), ["2027-03-01", "2027-02-01", "2027-01-01", "2026-12-01"]),
        (date(2028, 2, 29), ["2028-02-01", "2028-01-01", "2027-12-01", "2027-11-01"]),
        (date(2027, 3, 31), ["2027-03-01", "2027-02-01", "2027-01-01", "2026-12-01"]),
    ],
)
def test_months_back_are_whole_calendar_months(day, starts):
    months = months_back(day, 4)
    assert [m.start.isoformat() for m in months] == starts
    assert months[0].start <= day <= months[0].end
    for newer, older in zip(months, months[1:], strict=False):
        assert older.end.toordinal() + 1 == newer.start.toordinal()
