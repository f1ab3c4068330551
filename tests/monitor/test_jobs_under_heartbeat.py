"""Every background job that reads many rows while it writes (progress, results) runs to the end
while its heartbeat beats, on a real SQLite file database in WAL mode as `salesop serve` makes it.

Issue 21: a lead export to XLSX that ran past 20 s failed with "database is locked" at its
progress update, while a CSV export of the same leads (faster) did not. The export read through
QuerySet.iterator(), whose open statement holds a read transaction (a snapshot) on SQLite; the
heartbeat, another connection, wrote meanwhile, and the progress write on the reading connection
could then not upgrade its snapshot: SQLITE_BUSY at once, whatever the busy timeout. Measured
before the fix with the shipped settings (a beat every 20 s): 180,000 leads to XLSX failed
after 20.06 s; 120,000 (15.8 s) passed. The nightly training wrote its scores the same way.

Here the beat comes every 10 ms (the job's stale time set to 60 ms inside the job's process), so
every job that runs for more than a moment is written to by its heartbeat between any two of
its own writes. The in-memory test database shares one cache between connections, with table
locks and no WAL snapshots, so the fault does not show there: this runs `salesop migrate` on a
data directory of its own and the jobs in another process."""

import json
import os
import secrets
import subprocess
import sys

import pytest

JOBS = """
import json, time, traceback
from datetime import timedelta
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from salesop.core.testing import make_channel, make_org
from salesop.customers.models import TrainingRun
from salesop.customers.profiling import train_all
from salesop.deals.models import Deal
from salesop.leads.exports import export_execute
from salesop.leads.imports import import_execute
from salesop.leads.models import ExportJob, Lead
from salesop.leads.jobs import import_upload
from salesop.monitor.models import Heartbeat, ScheduledRun
from salesop.monitor.tasks import scheduled_execute

settings.JOB_STALE_AFTER = timedelta(seconds=0.06)  # a beat every 10 ms
assert connection.cursor().execute("PRAGMA journal_mode").fetchone() == ("wal",)
org = make_org()
channel = make_channel()
results = {}


def run(name, job, work):
    began = time.monotonic()
    try:
        work()
        job.refresh_from_db()
        results[name] = {"status": job.status, "message": getattr(job, "message", "")}
    except Exception as exc:
        results[name] = {"status": "raised", "message": f"{type(exc).__name__}: {exc}"}
        traceback.print_exc()
    results[name]["seconds"] = round(time.monotonic() - began, 2)


def imported(name, kind, text, **options):
    job = import_upload(
        by=org.ops,
        upload=SimpleUploadedFile(name, text.encode()),
        channel=channel if kind == "leads" else None,
        kind=kind,
    )
    for field, value in options.items():
        setattr(job, field, value)
    job.save()
    run(f"{kind} import ({name})", job, lambda: import_execute(job))
    return job


def leads(start, n):
    return "公司名称,联系人,邮箱\\r\\n" + "".join(
        f"线索公司{i},王经理,l{i}@example.com\\r\\n" for i in range(start, start + n)
    )


imported("valid-rows.csv", "leads", leads(0, 6000), all_or_nothing=False)
imported("all-or-nothing.csv", "leads", leads(6000, 3000), all_or_nothing=True)
imported(
    "accounts.csv",
    "accounts",
    "公司名称,行业,负责人\\r\\n" + "".join(f"客户{i},物流,rep\\r\\n" for i in range(1500)),
    all_or_nothing=False,
)
imported(
    "history.csv",
    "deals",
    "客户名称,行业,结果,开始日期,成交日期\\r\\n"
    + "".join(
        f"历史{i},{'物流' if i % 2 else '教育'},{'赢单' if i % 2 and i % 3 else '输单'},"
        f"2023-{1 + i % 12:02d}-01,2024-{1 + i % 12:02d}-{1 + i % 27:02d}\\r\\n"
        for i in range(300)
    ),
    all_or_nothing=True,
)
# The win model learns from converted leads: one for each closed deal of the history.
Lead.objects.bulk_create(
    Lead(company_name=d.account.name, channel=channel, owner=org.rep, team=org.rep.team,
         status="converted", deal=d, account=d.account, industry=d.account.industry,
         bant={"budget": "confirmed" if i % 2 else "unknown"}, created_at=d.created_at)
    for i, d in enumerate(Deal.objects.select_related("account"))
)

for fmt in ("xlsx", "csv"):
    job = ExportJob.objects.create(created_by=org.ops, fmt=fmt, query="")
    run(f"lead export ({fmt})", job, lambda: export_execute(job))
    results[f"lead export ({fmt})"]["rows"] = job.processed_rows
training = TrainingRun.objects.create(created_by=org.ops)
run("training", training, lambda: train_all(training))
scored = Lead.objects.filter(status="new", icp_fit__isnull=False, win_probability__isnull=False)
results["training"]["scored"] = scored.count()
for schedule in ("nightly", "monthly"):
    scheduled = ScheduledRun.objects.create(schedule=schedule, period=timezone.localdate())
    run(f"{schedule} run", scheduled, lambda: scheduled_execute(scheduled))
results["heartbeats left"] = Heartbeat.objects.count()
print("RESULTS " + json.dumps(results, ensure_ascii=False))
"""


@pytest.mark.process
def test_every_long_job_finishes_while_its_heartbeat_writes(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(SALESOP_DATA_DIR=str(tmp_path), SALESOP_SECRET_KEY=secrets.token_urlsafe(50))

    def salesop(*args):
        return subprocess.run(
            [sys.executable, "-m", "salesop.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    assert salesop("migrate").returncode == 0
    done = salesop("manage", "shell", "-c", JOBS)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert lines, done.stderr[-3000:]
    results = json.loads(lines[0].removeprefix("RESULTS "))
    print(json.dumps(results, ensure_ascii=False, indent=1))  # each job's time, with -rP

    assert {name: r["status"] for name, r in results.items() if name != "heartbeats left"} == {
        "leads import (valid-rows.csv)": "done",
        "leads import (all-or-nothing.csv)": "done",
        "accounts import (accounts.csv)": "done",
        "deals import (history.csv)": "done",
        "lead export (xlsx)": "done",
        "lead export (csv)": "done",
        "training": "done",
        "nightly run": "done",
        "monthly run": "done",
    }, (results, done.stderr[-3000:])
    # 9,000 leads imported and 300 converted: every one of them in each file
    assert results["lead export (xlsx)"]["rows"] == results["lead export (csv)"]["rows"] == 9300
    assert results["training"]["scored"] == 9000  # every open lead scored by both models
    # The jobs that read while they write ran for many beats (the test has teeth).
    for name in ("lead export (xlsx)", "lead export (csv)", "training"):
        assert results[name]["seconds"] > 0.2, results[name]
    assert results["heartbeats left"] == 0
