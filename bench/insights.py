"""Insights benchmark: the funnel, channel and compliance reports and the monthly review for a
month and a year, computed live from the event rows and read from the daily aggregates, on a
generated company with two years of history.

    python -m bench.insights --db sqlite --leads 1000000      # 1M leads, 200k deals, 2M activities
    python -m bench.insights --db postgres --leads 1000000
    python -m bench.insights --leads 20000 --repeats 2 --no-record   # the quick run CI does
    python -m bench.insights --db sqlite --reuse     # measure again on the data generated before

Deals are a fifth of the leads and activities twice their number, with full stage histories:
most leads grade C, each stage keeps about 70% of the deals that reach it."""

import argparse
import json
import random
import time
from datetime import timedelta
from decimal import Decimal

from bench.common import record, setup, summary

BATCH = 5000
TEAMS = 8
REPS_PER_TEAM = 7  # and a manager each: 64 people
CHANNELS = 12
MONTHS = 24


def generate(leads: int) -> dict:
    """The company: teams, reps, channels with monthly spend, and `leads` leads over the last
    24 months, a fifth of them converted into deals that move through the stages."""
    from django.db import connection, transaction
    from django.utils import timezone

    from salesop.accounts.models import Role
    from salesop.accounts.services import team_create
    from salesop.activities.models import Activity
    from salesop.core.testing import make_org, make_user
    from salesop.customers.models import Account
    from salesop.deals.models import Deal, StageEvent
    from salesop.leads.models import Channel, ChannelSpend, Lead
    from salesop.playbook.selectors import active_playbook, active_version

    org = make_org()
    reps = []
    for t in range(TEAMS):
        team = team_create(name=f"Team {t}", parent=org.sales)
        make_user(f"mgr{t}", team=team, roles=(Role.MANAGER,))
        reps += [make_user(f"rep{t}_{r}", team=team) for r in range(REPS_PER_TEAM)]
    channels = [
        Channel.objects.create(name=f"渠道 Channel {c}", category="online", kind="website")
        for c in range(CHANNELS)
    ]
    now = timezone.now()
    for c, channel in enumerate(channels):
        for back in range(MONTHS):
            month = (now - timedelta(days=30 * back)).date().replace(day=1)
            ChannelSpend.objects.get_or_create(
                channel=channel, month=month, defaults={"amount": Decimal(5000 + 2500 * c)}
            )
    stages = [s.key for s in active_playbook().stages]
    version = active_version()
    rng = random.Random(9)  # noqa: S311 (benchmark data)
    span = MONTHS * 30 * 86400
    deals_made = 0
    started = time.monotonic()
    for offset in range(0, leads, BATCH):
        n = min(BATCH, leads - offset)
        accounts, lead_rows, plans = [], [], []
        for i in range(offset, offset + n):
            owner = reps[i % len(reps)]
            created = now - timedelta(seconds=rng.randrange(span))
            grade = rng.choices("ABC", weights=(10, 25, 65))[0]
            contacted = rng.random() < 0.8
            converts = contacted and grade in "AB" and rng.random() < 0.72
            lead_rows.append(
                Lead(
                    company_name=f"公司 Company {i}",
                    company_key=f"company{i}",
                    channel=channels[(i * 7 + (3 if grade == "A" else 0)) % CHANNELS],
                    owner=owner,
                    team=owner.team,
                    status="converted" if converts else ("contacted" if contacted else "new"),
                    industry=("物流", "制造业", "零售", "医药")[i % 4],
                    grade=grade,
                    score={"A": 85, "B": 60, "C": 30}[grade] + rng.randint(-5, 5),
                    created_at=created,
                    first_contacted_at=created + timedelta(hours=rng.randint(1, 40))
                    if contacted
                    else None,
                )
            )
            if converts:
                accounts.append(
                    Account(
                        owner=owner, team=owner.team, name=f"公司 Company {i}", created_at=created
                    )
                )
                plans.append((len(lead_rows) - 1, len(accounts) - 1, owner, created))
        with transaction.atomic():
            Account.objects.bulk_create(accounts)
            deals, events = [], []
            for _lead, a, owner, created in plans:
                opened = created + timedelta(days=rng.randint(1, 10))
                at, reached = opened, 0
                path = [(stages[0], opened, 0)]
                while reached < len(stages) - 1 and rng.random() < 0.7:
                    days = rng.randint(3, 30)
                    at += timedelta(days=days)
                    reached += 1
                    path.append((stages[reached], at, days))
                outcome = "open"
                if rng.random() < 0.6:
                    at += timedelta(days=rng.randint(3, 20))
                    outcome = "won" if reached == len(stages) - 1 and rng.random() < 0.6 else "lost"
                if at > now:
                    outcome, at = "open", path[-1][1]
                deal = Deal(
                    name=f"商机 Deal {deals_made}",
                    account=accounts[a],
                    owner=owner,
                    team=owner.team,
                    amount=Decimal(rng.randint(5, 100) * 10000),
                    stage=outcome if outcome != "open" else path[-1][0],
                    status=outcome,
                    playbook_version=version,
                    created_at=opened,
                    stage_entered_at=at,
                    closed_at=at if outcome != "open" else None,
                    lost_reason="price" if outcome == "lost" else "",
                )
                deals_made += 1
                deals.append(deal)
                events.append((deal, path, outcome, at))
            Deal.objects.bulk_create(deals)
            rows = []
            for deal, path, outcome, at in events:
                rows.append(
                    StageEvent(
                        deal=deal,
                        kind="created",
                        to_stage=path[0][0],
                        at=path[0][1],
                        playbook_version=version,
                    )
                )
                for (before, _t, _d), (stage, when, days) in zip(path, path[1:], strict=False):
                    rows.append(
                        StageEvent(
                            deal=deal,
                            kind="moved",
                            from_stage=before,
                            to_stage=stage,
                            at=when,
                            seconds_in_previous=days * 86400,
                            playbook_version=version,
                        )
                    )
                if outcome != "open":
                    rows.append(
                        StageEvent(
                            deal=deal,
                            kind=outcome,
                            from_stage=path[-1][0],
                            to_stage=outcome,
                            at=at,
                            reason=deal.lost_reason,
                            playbook_version=version,
                        )
                    )
            StageEvent.objects.bulk_create(rows, batch_size=BATCH)
            for index, deal in zip((p[0] for p in plans), deals, strict=True):
                lead_rows[index].deal = deal
            Lead.objects.bulk_create(lead_rows)
            Activity.objects.bulk_create(
                [
                    Activity(
                        kind="call",
                        subject="跟进 Follow-up",
                        by=lead.owner,
                        lead=lead,
                        occurred_at=lead.created_at + timedelta(hours=1 + k),
                        duration_minutes=10,
                    )
                    for lead in lead_rows
                    for k in range(2)
                ],
                batch_size=BATCH,
            )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "leads": leads,
        "deals": deals_made,
        "activities": 2 * leads,
        "seconds": time.monotonic() - started,
    }


NOTES = """Past months are served from the aggregates (the targets above); live figures are
what the current month, an industry filter or a cold start costs. Live compliance builds one
item per counted record in Python (600,000 for a year here: the profile is the collectors'
loops), hence seconds; the plan is to count each measure with conditional aggregates in SQL
when a live year is needed. The live year funnel is nine COUNT(DISTINCT) queries over joins
of leads, lead events and stage events; one pass with conditional counts is the next step
if the 2 s target matters beyond the aggregates."""


def timed(fn, repeats: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm-up
    samples = []
    with CaptureQueriesContext(connection) as queries:
        fn()
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    median, p95 = summary(samples)
    return median, p95, len(queries)


def run(db: str, leads: int, repeats: int, save: bool, reuse: bool = False) -> None:
    data = setup(db, f"bench_insights_{db}", fresh=not reuse)
    stats = data / f"generated-{db}.json"
    if reuse and stats.exists():
        made = json.loads(stats.read_text())
    else:
        made = generate(leads)
        stats.write_text(json.dumps(made))
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
            f"data: {made['leads']:,} leads, {made['deals']:,} deals, "
            f"{made['activities']:,} activities over {MONTHS} months",
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
