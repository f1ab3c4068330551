"""Import benchmarks: a 100,000-row lead CSV, and a 100,000-row deal history shaped like a
public CRM data set (open deals at stages named in the file's own words, won and lost with
dd-mm-yy dates, agents, products), through the real import (validation, value mapping, dedupe
lookups, bulk inserts), timed, with the process's peak memory; the history is imported twice,
the second time creating nothing.

    python -m bench.imports --rows 100000            # leads, SQLite
    python -m bench.imports --rows 100000 --db postgres
    python -m bench.imports --kind deals --rows 100000   # history
    python -m bench.imports --rows 5000 --no-record  # CI
    python -m bench.imports --into bench_large_sqlite   # into a generated data set (bench.run)
"""

import argparse
import csv
import json
import random
import resource
import time
from pathlib import Path

from bench.common import ROOT, record, setup

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CITIES = ["上海", "北京", "杭州", "苏州", "深圳", "广州", "南京", "成都", "天津", "Shanghai"]
SUFFIX = ["科技有限公司", "物流有限公司", "贸易有限公司", "制造股份有限公司", "Co., Ltd."]


def write_csv(path, rows: int) -> None:
    rng = random.Random(11)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["公司名称", "联系人", "手机", "邮箱", "地区", "行业"])
        for i in range(rows):
            city = rng.choice(CITIES)
            out.writerow(
                [
                    f"{city}{i}号{rng.choice(SUFFIX)}",
                    f"{rng.choice(SURNAMES)}经理",
                    f"1{rng.choice('3589')}{i:09d}",
                    f"lead{i}@example.cn",
                    city,
                    "制造业",
                ]
            )


AGENTS = [f"{surname}{given}" for surname in "王李张刘陈" for given in ("伟", "芳")] + [
    "Anna Snelling", "Cecily Lampkin", "Darcel Schlecht", "Moses Frase", "Zane Levy",
]  # fmt: skip
PRODUCTS = ["GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTX Plus Pro", "GTK 500"]
# the file's stage words; the open ones are mapped to ours with --values
HISTORY_STAGES = ["Won", "Won", "Lost", "Lost", "Prospecting", "Engaging"]
HISTORY_VALUES = {"stage": {"Prospecting": "discovery", "Engaging": "solution"}}


def write_history(path, rows: int) -> None:
    rng = random.Random(12)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
             "close_date", "close_value"]
        )  # fmt: skip
        for i in range(rows):
            stage = rng.choice(HISTORY_STAGES)
            day = 1 + i % 28
            closed = stage in ("Won", "Lost")
            out.writerow(
                [
                    f"OPP{i:07d}",
                    rng.choice(AGENTS),
                    rng.choice(PRODUCTS),
                    f"{rng.choice(CITIES)}{i % 5000}号{rng.choice(SUFFIX)}",
                    stage,
                    f"{day:02d}-0{1 + i % 6}-24",
                    f"{day:02d}-0{4 + i % 6}-24" if closed else "",
                    f"{rng.randint(5, 500) * 100}" if stage == "Won" else "",
                ]
            )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def file_backed_mb() -> float:
    """Resident pages mapped from files (SQLite's memory-mapped database among them): counted
    in RSS, shared and given back under pressure, not the import's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(rows: int, by, channel):
    """Imports a `rows`-row CSV as `by`; the finished job, seconds, peak RSS before and after
    (MB) and the file's size (MB)."""
    from django.core.files import File

    from salesop.leads.imports import import_execute
    from salesop.leads.jobs import import_upload

    path = ROOT / ".data" / f"leads-{rows}.csv"
    if not path.exists():
        write_csv(path, rows)
    baseline = peak_rss_mb()
    with open(path, "rb") as fh:
        upload = File(fh, name=path.name)
        upload.size = path.stat().st_size
        job = import_upload(by=by, upload=upload, channel=channel)
    job.all_or_nothing = False
    job.save()
    started = time.perf_counter()
    job = import_execute(job)
    seconds = time.perf_counter() - started
    return job, seconds, baseline, peak_rss_mb(), path.stat().st_size / 2**20


def measure_history(path: Path, by) -> tuple:
    """Imports the history file at `path` as `by` (valid rows, stages mapped); the finished
    job and its seconds."""
    from django.core.files import File

    from salesop.leads.imports import import_execute
    from salesop.leads.jobs import import_upload

    with open(path, "rb") as fh:
        upload = File(fh, name=path.name)
        upload.size = path.stat().st_size
        job = import_upload(by=by, upload=upload, channel=None, kind="deals")
    job.all_or_nothing = False
    job.date_order = "dmy"
    job.value_map = HISTORY_VALUES
    job.save()
    started = time.perf_counter()
    job = import_execute(job)
    return job, time.perf_counter() - started


def run_history(db: str, rows: int, write: bool) -> None:
    setup(db, f"bench_history_{db}")
    from salesop.core.testing import make_org, make_product, make_user
    from salesop.deals.models import Deal

    org = make_org()
    for i, name in enumerate(AGENTS):
        make_user(f"agent{i}", team=org.sales, full_name=name)
    for name in PRODUCTS:
        make_product(code=name, name=name)
    path = ROOT / ".data" / f"history-{rows}.csv"
    if not path.exists():
        write_history(path, rows)
    baseline = peak_rss_mb()
    job, seconds = measure_history(path, org.ops)
    peak = peak_rss_mb()
    assert job.created_count == rows == Deal.objects.count(), (job.error_count, job.errors[:3])
    again, again_seconds = measure_history(path, org.ops)
    assert again.created_count == 0 and Deal.objects.count() == rows, again.errors[:3]
    size_mb = path.stat().st_size / 2**20
    print(
        f"imported {rows} deals ({size_mb:.1f} MB) in {seconds:.1f} s ({rows / seconds:.0f} "
        f"rows/s); again in {again_seconds:.1f} s, 0 created; peak RSS {peak:.0f} MB "
        f"(after set-up {baseline:.0f} MB)"
    )
    if write:
        record(
            f"Deal history import ({db})",
            [
                (
                    f"import {rows:,} past deals ({size_mb:.1f} MB CSV: open, won, lost; "
                    "stages mapped; dd-mm-yy), valid rows",
                    "< 120 s, < 300 MB",
                    f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s), "
                    f"peak RSS {peak:.0f} MB (Django loaded: {baseline:.0f} MB)",
                ),
                (
                    "the same file again",
                    "creates 0",
                    f"{again_seconds:.1f} s, {again.created_count} created, "
                    f"{again.skipped_count:,} recognised",
                ),
            ],
            ("figure", "target", "measured"),
        )


def into(db: str, name: str, rows: int) -> None:
    """Imports into the data set bench.generate made; prints the figures as one JSON line."""
    setup(db, name, fresh=False)
    from salesop.accounts.models import User
    from salesop.leads.models import Channel

    job, seconds, baseline, peak, mb = measure(
        rows, User.objects.get(username="rep0_0"), Channel.objects.order_by("pk").first()
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "baseline": baseline,
                "peak": peak,
                "mb": mb,
                "file_backed": file_backed_mb(),
                "created": job.created_count,
                "skipped": job.skipped_count,
                "errors": job.error_count,
            }
        )
    )


def run(db: str, rows: int, write: bool) -> None:
    setup(db, f"bench_import_{db}")
    from salesop.core.testing import make_channel, make_org
    from salesop.leads.models import Lead

    org = make_org()
    job, seconds, baseline, peak, size_mb = measure(rows, org.rep, make_channel())
    assert job.created_count == rows == Lead.objects.count(), (
        job.created_count,
        job.skipped_count,
        job.error_count,
        job.errors[:3],
    )
    print(
        f"imported {rows} rows ({size_mb:.1f} MB) in {seconds:.1f} s "
        f"({rows / seconds:.0f} rows/s); peak RSS {peak:.0f} MB (after set-up {baseline:.0f} MB)"
    )
    if write:
        record(
            f"Lead import ({db})",
            [
                (
                    f"import {rows:,} rows ({size_mb:.1f} MB CSV), valid rows, dedupe on",
                    "< 60 s, < 300 MB",
                    f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s), "
                    f"peak RSS {peak:.0f} MB (Django loaded: {baseline:.0f} MB)",
                )
            ],
            ("figure", "target", "measured"),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--kind", choices=["leads", "deals"], default="leads")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--into", default="", help="a generated data set's database name")
    args = parser.parse_args()
    if args.into:
        into(args.db, args.into, args.rows)
    elif args.kind == "deals":
        run_history(args.db, args.rows, not args.no_record)
    else:
        run(args.db, args.rows, not args.no_record)


if __name__ == "__main__":
    main()
