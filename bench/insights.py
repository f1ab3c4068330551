"""Insights benchmark: the funnel, channel and compliance reports and the monthly review for a
month and a year, computed live from the event rows and read from the daily aggregates, on a
generated company with two years of history.

    python -m bench.insights --db sqlite --leads 1000000      # 1M leads, 200k deals, 2M activities
    python -m bench.insights --db postgres --leads 1000000
    python -m bench.insights --leads 20000 --repeats 2 --no-record   # the quick run CI does
    python -m bench.insights --db sqlite --reuse     # measure again on the data generated before

The company is bench.generate's at the size asked (Scale.of: deals a fifth of the leads,
activities twice their number, full stage histories)."""

import argparse
import time

from bench.common import record, timed
from bench.generate import MONTHS, Scale, load

NOTES = """Past months are served from the aggregates (the targets above); live figures are
what the current month, an industry filter or a cold start costs. Live compliance counts each
measure with grouped conditional counts in SQL and the live funnel counts its steps in two
queries (issue 24); the reports over a period's leads read the covering index lead_cohort.
The drill-downs still list records."""


def run(db: str, leads: int, repeats: int, save: bool, reuse: bool = False) -> None:
    made = load(db, "insights", fresh=not reuse, scale=Scale.of(leads))
    from django.utils import timezone

    from salesop.accounts.models import User
    from salesop.insights import aggregates, selectors
    from salesop.insights.review import review
    from salesop.insights.rules import month_period, months_to

    ops = User.objects.get(username="ops")
    today = timezone.localdate()
    month = month_period(today.year, today.month).previous()
    year = months_to(month, 12)
    began = time.monotonic()
    aggregates.refresh_recent()
    refresh_seconds = time.monotonic() - began
    rows = []

    def measure(label, fn, target="-", n=repeats):
        median, p95, queries = timed(fn, n)
        rows.append((label, target, f"median {median:,.0f} ms, p95 {p95:,.0f} ms", str(queries)))
        print(rows[-1], flush=True)

    for source in ("aggregates", "live"):
        for name, period in (("month", month), ("year", year)):
            target = "< 100 ms" if (source, name) == ("aggregates", "month") else "-"
            if (source, name) == ("live", "year") and db == "postgres":
                target = "< 2 s"
            few = max(1, repeats // 3) if source == "live" else repeats
            measure(
                f"funnel, {name}, {source}",
                lambda p=period, s=source: selectors.funnel(ops, p, source=s),
                target,
                few,
            )
            measure(
                f"compliance scorecards, {name}, {source}",
                lambda p=period, s=source: selectors.compliance(ops, p, source=s),
                target,
                few,
            )
        measure(
            f"channel report (six months), {source}",
            lambda s=source: selectors.channels(ops, month, source=s),
            "< 100 ms" if source == "aggregates" else "-",
            repeats if source == "aggregates" else max(1, repeats // 3),
        )
    measure(
        "monthly review (page data), aggregates where covered",
        lambda: review(ops, month),
        "-",
        max(1, repeats // 3),
    )
    rows.append(
        (
            f"nightly aggregate refresh, {aggregates.REFRESH_MONTHS + 1} months",
            "-",
            f"{refresh_seconds:,.1f} s",
            "-",
        )
    )
    rows.insert(
        0,
        (
            f"data: {made['lead']:,} leads, {made['deal']:,} deals, "
            f"{made['activity']:,} activities over {MONTHS} months (bench.generate)",
            "-",
            f"generated in {made['seconds']:,.0f} s",
            "-",
        ),
    )
    if save:
        record(f"Insights reports ({db})", rows, ("figure", "target", "measured", "queries"), NOTES)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data set a previous run generated"
    )
    args = parser.parse_args()
    run(args.db, args.leads, args.repeats, not args.no_record, args.reuse)


if __name__ == "__main__":
    main()
