"""Alert sweep benchmark: how long a sweep takes when nothing is due, over a large table of
open leads (or deals), and how fast it works through a backlog of due rows.

    python -m bench.sweep --db sqlite --rows 1000000            # 1M open leads
    python -m bench.sweep --db postgres --rows 1000000 --table deals
    python -m bench.sweep --rows 20000 --no-record              # the quick run CI does
"""

import argparse
import random
import time
from datetime import timedelta

from bench.common import record, setup, summary

BATCH = 5000


def generate_leads(rows: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from salesop.core.testing import make_channel, make_org
    from salesop.leads.models import Lead

    org = make_org()
    reps = [org.rep, org.teammate, org.outsider]
    channels = [make_channel(f"Channel {i}") for i in range(12)]
    now = timezone.now()
    rng = random.Random(7)
    made = 0
    while made < rows:
        batch = []
        for _ in range(min(BATCH, rows - made)):
            owner = rng.choice(reps)
            created = now - timedelta(days=rng.randint(0, 6), minutes=rng.randint(0, 1440))
            contacted = rng.random() < 0.8
            batch.append(
                Lead(
                    company_name=f"Company {made}",
                    company_key=f"company{made}",
                    channel=rng.choice(channels),
                    owner=owner,
                    team=owner.team,
                    status="contacted" if contacted else "new",
                    created_at=created,
                    first_contacted_at=created if contacted else None,
                    last_activity_at=created if contacted else None,
                    # follow-up and first contact due in the future: nothing is due now
                    followup_due_at=created + timedelta(days=7 + rng.randint(1, 7)),
                    first_contact_due_at=None
                    if contacted
                    else now + timedelta(hours=rng.randint(1, 24)),
                )
            )
            made += 1
        with transaction.atomic():
            Lead.objects.bulk_create(batch)


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


def run(db: str, rows: int, due: int, repeats: int, write: bool, table: str = "leads") -> None:
    setup(db, f"bench_sweep_{table}_{db}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from salesop.deals.models import Deal
    from salesop.leads.models import Lead
    from salesop.monitor.models import Alert
    from salesop.monitor.services import sweep

    model, column = (Lead, "followup_due_at") if table == "leads" else (Deal, "stage_due_at")
    started = time.perf_counter()
    (generate_leads if table == "leads" else generate)(rows)
    print(f"generated {rows} open {table} in {time.perf_counter() - started:.1f} s")

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

    ids = list(model.objects.order_by("?").values_list("pk", flat=True)[:due])
    model.objects.filter(pk__in=ids).update(**{column: timezone.now() - timedelta(minutes=1)})
    t = time.perf_counter()
    report = sweep()
    backlog_s = time.perf_counter() - t
    assert report.opened == due == Alert.objects.count(), (report, due)
    rate = due / backlog_s
    print(f"sweep, {due} due: {backlog_s:.2f} s ({rate:.0f} alerts/s with inbox notifications)")

    if write:
        record(
            f"Alert sweep over {table} ({db})",
            [
                (
                    f"sweep, nothing due, {rows:,} open {table}",
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
    parser.add_argument("--table", choices=["leads", "deals"], default="leads")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    run(args.db, args.rows, min(args.due, args.rows), args.repeats, not args.no_record, args.table)


if __name__ == "__main__":
    main()
