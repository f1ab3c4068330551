"""PostgreSQL restarted under a writing load: does the app recover by itself, and does every
record it wrote survive whole? A nightly benchmark, not part of CI.

    python -m bench.pg_restart                          # both modes, records in RESULTS.md
    python -m bench.pg_restart --modes immediate --threads 8 --outage 5 --no-record

It never touches the shared server: it creates a throwaway PostgreSQL instance of its own
(initdb, as the postgres user when run as root) on a free loopback port in a temporary
directory, and removes it afterwards. Against it, gunicorn (as bench.run starts it) serves
salesop, and writer threads create leads (POST /api/v1/leads) and log activities on an account
(POST /api/v1/accounts/<id>/activities) as a rep with an API token, each request carrying a
unique marker. After a few seconds PostgreSQL is stopped (`pg_ctl stop -m fast`: sessions ended
cleanly; or `-m immediate`: the server killed as in a crash, recovering from the WAL on start),
kept down for --outage seconds and started again. Reported per mode:

- errors before the stop and after recovery (both must be 0), and during the outage;
- recovery: seconds from PostgreSQL accepting connections again to the first success, and to
  the last error;
- records: every request answered 2xx has its record, its audit row (django-auditlog) and, for
  a lead, its two lead events; every record in the database carries the marker of a request
  answered 2xx or of one that failed during the outage (a commit whose answer was lost); no
  record lacks its audit row or events, and no marker is written twice.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

from bench.common import ROOT, record
from bench.run import WORKERS, free_port, serve

WARMUP = 8  # seconds of writes before the stop
AFTER = 15  # seconds of writes after PostgreSQL is back
TIMEOUT = 30  # seconds one request may take


@dataclass
class Sent:
    marker: str
    kind: str  # lead | activity
    began: float
    ended: float
    status: int  # 0: no answer (connection failed)
    answer: str = ""  # the start of a refusal's body, to say what went wrong


@dataclass
class Outcome:
    mode: str
    run: str  # the prefix of this run's markers
    sent: list[Sent] = field(default_factory=list)
    stop_began: float = 0.0
    down_at: float = 0.0
    start_began: float = 0.0
    up_at: float = 0.0


class Instance:
    """A PostgreSQL instance of this benchmark's own, on loopback only."""

    def __init__(self):
        pg_config = shutil.which("pg_config")
        found = (
            pg_config
            and subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True
            ).stdout.strip()
        )
        self.bindir = Path(found) if found else Path("/nonexistent")
        if not (self.bindir / "initdb").exists():  # Debian: the server's tools are not on PATH
            self.bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.home = Path(tempfile.mkdtemp(prefix="salesop-pg-restart-"))
        self.data = self.home / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root
        if self.as_postgres:
            shutil.chown(self.home, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.home}"
        log = str(self.home / "log")
        self.run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop("fast")
        except subprocess.CalledProcessError:
            pass  # already down
        shutil.rmtree(self.home, ignore_errors=True)


def writer(port: int, who: dict, prefix: str, stop, out: list) -> None:
    """Writes until `stop` is set, alternating a lead and an activity, each with its marker."""
    headers = {
        "Authorization": f"Bearer {who['token']}",
        "Content-Type": "application/json",
        "Connection": "close",
    }
    i = 0
    while not stop.is_set():
        i += 1
        marker = f"{prefix}{i}"
        if i % 2:
            kind, path = "lead", "/api/v1/leads"
            body = {"company_name": f"{marker} 有限公司", "channel_id": who["channel"]}
        else:
            kind, path = "activity", f"/api/v1/accounts/{who['account']}/activities"
            body = {"kind": "call", "subject": marker, "outcome": "neutral"}
        began = time.monotonic()
        status, answer = 0, ""
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
            response = conn.getresponse()
            answer = response.read()[:300].decode(errors="replace")
            status = response.status
            conn.close()
        except OSError:
            pass
        ok = 200 <= status < 300
        out.append(Sent(marker, kind, began, time.monotonic(), status, "" if ok else answer))
        if not 200 <= status < 300:
            time.sleep(0.2)  # a client backing off a little before it tries again


def people() -> dict:
    from salesop.accounts.services import api_token_create
    from salesop.core.testing import make_account, make_channel, make_org

    org = make_org()
    return {
        "token": api_token_create(user=org.rep, name="pg-restart")[1],
        "channel": make_channel().pk,
        "account": make_account(org.rep).pk,
    }


def one_run(instance: Instance, mode: str, threads: int, outage: float, who: dict) -> Outcome:
    out = Outcome(mode, run=f"pgr-{secrets.token_hex(4)}-")
    port = free_port()
    log = ROOT / ".data" / "pg-restart-gunicorn.log"
    server = serve(os.environ.copy(), port, stderr=log)
    stop = threading.Event()
    workers = [
        threading.Thread(
            target=writer,
            args=(port, who, f"{out.run}{n}-", stop, out.sent),
        )
        for n in range(threads)
    ]
    try:
        for w in workers:
            w.start()
        time.sleep(WARMUP)
        out.stop_began = time.monotonic()
        instance.stop(mode)
        out.down_at = time.monotonic()
        time.sleep(outage)
        out.start_began = time.monotonic()
        instance.start()
        out.up_at = time.monotonic()
        time.sleep(AFTER)
    finally:
        stop.set()
        for w in workers:
            w.join()
        server.terminate()
        server.wait(30)
    return out


def check(out: Outcome) -> dict:
    """The figures of one run and what the database holds for its markers."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from salesop.activities.models import Activity
    from salesop.leads.models import Lead

    ok = {s.marker for s in out.sent if 200 <= s.status < 300}
    failed = [s for s in out.sent if not 200 <= s.status < 300]
    before = [s for s in failed if s.ended < out.stop_began]
    successes_after = sorted(s.ended for s in out.sent if s.began >= out.up_at and s.marker in ok)
    first_success = successes_after[0] if successes_after else None
    window_end = first_success if first_success is not None else float("inf")
    late = [s for s in failed if s.began >= window_end]
    during = [s for s in failed if s not in before and s not in late]
    in_outage = {s.marker for s in during}

    leads = list(
        Lead.objects.filter(company_name__startswith=out.run).annotate(n_events=Count("events"))
    )
    activities = list(Activity.objects.filter(subject__startswith=out.run))
    rows = [(lead.company_name.split(" ")[0], lead) for lead in leads]
    rows += [(activity.subject, activity) for activity in activities]
    written = dict(rows)
    lead_type = ContentType.objects.get_for_model(Lead)
    activity_type = ContentType.objects.get_for_model(Activity)
    audited = {
        (ct, pk)
        for ct, pk in LogEntry.objects.filter(
            content_type__in=(lead_type, activity_type), action=LogEntry.Action.CREATE
        ).values_list("content_type_id", "object_pk")
    }
    incomplete = []
    for marker, row in written.items():
        ct = lead_type.pk if isinstance(row, Lead) else activity_type.pk
        if (ct, str(row.pk)) not in audited:
            incomplete.append(f"{marker}: no audit row")
        if isinstance(row, Lead) and row.n_events != 2:
            incomplete.append(f"{marker}: {row.n_events} lead events")
    missing = sorted(ok - set(written))
    unexplained = sorted(set(written) - ok - in_outage)
    twice = len(rows) - len(written)
    return {
        "mode": out.mode,
        "requests": len(out.sent),
        "ok": len(ok),
        "errors_before": len(before),
        "errors_during": len(during),
        "errors_after": len(late),
        "outage_answers": dict(Counter(s.status or "no answer" for s in during)),
        "examples": {
            phase: sorted({f"{s.kind} {s.status}: {s.answer[:160]}" for s in failures})[:5]
            for phase, failures in (("before", before), ("during", during), ("after", late))
        },
        "down_seconds": out.up_at - out.stop_began,
        "recovery_seconds": (first_success - out.up_at) if first_success else None,
        "last_error_after_up": max((s.ended for s in during), default=out.up_at) - out.up_at,
        "written": len(written),
        "written_by_failed": len(set(written) & in_outage),
        "missing": missing,
        "unexplained": unexplained,
        "incomplete": incomplete,
        "twice": twice,
    }


def run(modes: list[str], threads: int, outage: float, save: bool) -> int:
    os.environ.setdefault("SALESOP_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["SALESOP_HTTPS"] = "0"
    os.environ["SALESOP_API_RATE_PER_MINUTE"] = "1000000"  # measuring recovery, not throttling
    instance = Instance()
    try:
        instance.start()
        os.environ["PGPORT"] = str(instance.port)  # bench.common's createdb and dropdb
        os.environ["SALESOP_BENCH_PG"] = f"postgres://postgres@127.0.0.1:{instance.port}"
        from bench.common import setup

        setup("postgres", "bench_pg_restart")
        from django.core.management import call_command
        from django.db import connection

        who = people()
        call_command("collectstatic", interactive=False, verbosity=0)
        results = []
        for mode in modes:
            connection.close()  # the benchmark's own connection does not outlive the stop
            out = one_run(instance, mode, threads, outage, who)
            connection.close()
            results.append(check(out))
            print(json.dumps(results[-1], indent=1, default=str), flush=True)
    finally:
        from django.db import connection

        connection.close()
        instance.remove()
    good = all(
        not r["errors_before"]
        and not r["errors_after"]
        and not r["missing"]
        and not r["unexplained"]
        and not r["incomplete"]
        and not r["twice"]
        and r["recovery_seconds"] is not None
        for r in results
    )
    if save:
        rows = [
            (
                f"`-m {r['mode']}`",
                f"{r['requests']:,} ({r['ok']:,} 2xx)",
                f"{r['down_seconds']:.1f} s",
                f"{r['errors_before']} / {r['errors_during']} ("
                + ", ".join(f"{k}: {n}" for k, n in r["outage_answers"].items())
                + f") / {r['errors_after']}",
                f"{r['recovery_seconds']:.2f} s" if r["recovery_seconds"] is not None else "never",
                f"{r['last_error_after_up']:.2f} s"
                if r["last_error_after_up"] > 0
                else f"none (the last {-r['last_error_after_up']:.2f} s before)",
                f"{r['written']:,} ({r['written_by_failed']} by a request that failed)",
                f"{len(r['missing'])} / {len(r['unexplained'])} / {len(r['incomplete'])} / "
                f"{r['twice']}",
            )
            for r in results
        ]
        record(
            "PostgreSQL restart under load",
            rows,
            (
                "stop",
                "writes sent",
                "PostgreSQL down",
                "errors before / during / after the outage",
                "first success after PostgreSQL is back",
                "last error after it is back",
                "records written",
                "2xx without record / record without 2xx or outage error / record without "
                "audit row or events / marker twice",
            ),
            f"`python -m bench.pg_restart --threads {threads} --outage {outage:g}`: a throwaway "
            f"PostgreSQL instance on loopback, gunicorn ({WORKERS} gthread workers of 4 "
            f"threads, CONN_MAX_AGE 60 s with CONN_HEALTH_CHECKS), {threads} writer threads "
            f"creating leads and logging activities through the API, each request with a unique "
            f"marker; PostgreSQL stopped {WARMUP} s in, started {outage:g} s later, writes for "
            f"{AFTER} s more. *PostgreSQL down*: from the stop command to the server accepting "
            "connections again. The outage window runs from the stop command to the first "
            "success after PostgreSQL is back; errors outside it fail the run. Records are "
            "checked in the database afterwards: leads with their create audit row and two lead "
            "events, activities with their audit row. A record written by a request that failed "
            "is a commit whose answer was lost in the stop (the client must treat such a failure "
            "as unknown, as with any network error).",
        )
    return 0 if good else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--modes", default="fast,immediate", help="pg_ctl stop modes, in turn")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--outage", type=float, default=5, help="seconds PostgreSQL stays down")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    for mode in modes:
        if mode not in ("smart", "fast", "immediate"):
            parser.error(f"unknown stop mode {mode!r}")
    raise SystemExit(run(modes, args.threads, args.outage, not args.no_record))


if __name__ == "__main__":
    main()
