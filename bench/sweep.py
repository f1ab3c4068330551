"""Alert sweep benchmark: how long a sweep takes when nothing is due, over a large table of
open deals, and how fast it works through a backlog of due rows.

    python -m bench.sweep --db sqlite --rows 1000000
    python -m bench.sweep --db postgres --rows 1000000
    python -m bench.sweep --rows 20000 --no-record     # the quick run CI does
"""

import argparse
import random
import time
from datetime import timedelta

from bench.common import record, setup, summary

BATCH = 5000


def generate(rows: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from salesop.core.testing import make_account, make_org
    from salesop.deals.models import Deal
    from salesop.playbook.selectors import active_version

    org = make_org()
    reps = [org.rep, org.teammate, org.outsider]
    accounts = [make_account(rep, f"Bench {i}") for i, rep in enumerate(reps * 10)]
    version = active_version()
    now = timezone.now()
    rng = random.Random(7)
    stages = ["discovery", "solution", "negotiation", "contracting"]
    made = 0
    while made < rows:
        batch = []
        for _ in range(min(BATCH, rows - made)):
            owner = rng.choice(reps)
            entered = now - timedelta(days=rng.randint(0, 13), minutes=rng.randint(0, 1440))
            batch.append(
                Deal(
                    name=f"Deal {made}",
                    account=rng.choice(accounts),
                    owner=owner,
                    team=owner.team,
                    stage=rng.choice(stages),
                    playbook_version=version,
                    stage_entered_at=entered,
                    # due some time in the coming weeks: nothing is due now
                    stage_due_at=now + timedelta(days=rng.randint(1, 30)),
                    close_due_at=now + timedelta(days=rng.randint(1, 90)),
                    created_at=entered,
                )
            )
            made += 1
        with transaction.atomic():
            Deal.objects.bulk_create(batch)


def run(db: str, rows: int, due: int, repeats: int, write: bool) -> None:
    setup(db, f"bench_sweep_{db}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from salesop.deals.models import Deal
    from salesop.monitor.models import Alert
    from salesop.monitor.services import sweep

    started = time.perf_counter()
    generate(rows)
    print(f"generated {rows} open deals in {time.perf_counter() - started:.1f} s")

    sweep()  # warm-up: parsed playbook, connections
    idle = []
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            report = sweep()
            idle.append((time.perf_counter() - t) * 1000)
        assert report.opened == 0
    idle_median, idle_p95 = summary(idle)
    print(
        f"sweep, nothing due: median {idle_median:.1f} ms, p95 {idle_p95:.1f} ms, "
        f"{len(queries)} queries"
    )

    ids = list(Deal.objects.order_by("?").values_list("pk", flat=True)[:due])
    Deal.objects.filter(pk__in=ids).update(stage_due_at=timezone.now() - timedelta(minutes=1))
    t = time.perf_counter()
    report = sweep()
    backlog_s = time.perf_counter() - t
    assert report.opened == due == Alert.objects.count(), (report, due)
    rate = due / backlog_s
    print(f"sweep, {due} due: {backlog_s:.2f} s ({rate:.0f} alerts/s with inbox notifications)")

    if write:
        record(
            f"Alert sweep ({db})",
            [
                (
                    f"sweep, nothing due, {rows:,} open deals",
                    "< 200 ms",
                    f"median {idle_median:.1f} ms, p95 {idle_p95:.1f} ms",
                    str(len(queries)),
                ),
                (
                    f"sweep, {due:,} due of {rows:,} (claim, alert, inbox)",
                    "-",
                    f"{backlog_s:.2f} s ({rate:,.0f} alerts/s)",
                    "-",
                ),
            ],
            ("figure", "target", "measured", "queries"),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    run(args.db, args.rows, min(args.due, args.rows), args.repeats, not args.no_record)


if __name__ == "__main__":
    main()
