"""Many API writers at once on SQLite: do they wait their turn, or does anyone get an error?

    python -m bench.sqlite_writers                      # 16 writers, 60 s, 5 runs, RESULTS.md
    python -m bench.sqlite_writers --seconds 15 --runs 1 --no-record

Each run starts from a fresh data directory (a temporary one, or one under --data-dir to put it
on another disk): the rep and a teammate of the test personas, each with an API token made by
`salesop token`, then `salesop serve --no-worker` (gunicorn, gthread workers) on a free loopback
port. The writers are threads here, each POSTing in turn a lead (/api/v1/leads) and an activity
on its person's account (/api/v1/accounts/<id>/activities), each with a unique marker, back to
back for --seconds. Every answer other than 2xx counts as an error (these writes are valid, so
no 4xx is documented for them), and so does a request without an answer.

Afterwards the database is read: every 2xx has its record, no record lacks a 2xx, none is
written twice. A run reports its errors by status with the start of their bodies, the exception
lines gunicorn logged, the answer times, and the largest the WAL file grew.

To provoke failures (issue 21 saw 15 x 500 "disk I/O error" among 16 writers once):
--readers N adds threads reading lead lists; --worker runs `salesop worker` beside the server;
--churn N adds threads opening a plain sqlite3 connection, reading and closing it back to back
(other processes' open/close traffic: the last connection to close checkpoints and deletes the
WAL while writers open theirs); --checkpoint S runs `PRAGMA wal_checkpoint(TRUNCATE)` every S
seconds; --strace FILE attaches strace to the server and counts its system calls on the
database, WAL and wal-index files (what each write does to the disk).
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

from bench.common import record
from bench.run import free_port

TIMEOUT = 90  # seconds a request may take before it counts as unanswered (gunicorn allows 60)
SETUP = """
import json
from salesop.core.testing import make_account, make_channel, make_org
org = make_org()
print(json.dumps({
    "channel": make_channel().pk,
    "accounts": {
        "rep": make_account(org.rep).pk,
        "teammate": make_account(org.teammate, name="苏州精密机械有限公司").pk,
    },
}))
"""


@dataclass
class Sent:
    marker: str
    kind: str  # lead | activity
    seconds: float
    status: int  # 0: no answer
    answer: str = ""  # the start of a refusal's body


@dataclass
class Site:
    """A salesop server on a data directory of its own, and the people who write to it."""

    data: Path
    env: dict
    port: int
    people: list[dict]
    server: subprocess.Popen
    log: Path
    keep: bool = False  # keep the data directory for a look

    @property
    def db(self) -> Path:
        return self.data / "salesop.sqlite3"


@dataclass
class Outcome:
    sent: list[Sent] = field(default_factory=list)
    reads: Counter = field(default_factory=Counter)  # the readers' answers, by status
    churned: int = 0
    checkpoints: int = 0
    side_errors: Counter = field(default_factory=Counter)  # of churn and checkpoint connections
    wal_peak: int = 0  # bytes
    rss: dict = field(default_factory=dict)  # the server's processes' resident memory, MB


def salesop(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "salesop.cli", *args], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"salesop {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def serve(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "salesop.cli", "serve", "--no-worker"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("ab") as stream:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stream)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"salesop serve exited:\n{log.read_text()[-3000:]}")
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("salesop serve did not answer within 120 s")


@contextmanager
def site(base: Path | None = None, workers: int = 2, job_worker: bool = False) -> Iterator[Site]:
    """Migrates a fresh data directory, makes the people and their tokens, serves it; stops the
    server afterwards and removes the directory unless something failed."""
    if base:
        base.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="salesop-writers-", dir=base))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(
        SALESOP_DATA_DIR=str(data),
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_HTTPS="0",
        SALESOP_EMAIL_URL="dummy://",
        # the database is measured, not the per-token limit (counted per gunicorn process)
        SALESOP_API_RATE_PER_MINUTE="1000000",
    )
    salesop(env, "migrate")
    made = json.loads(salesop(env, "manage", "shell", "-c", SETUP).strip().splitlines()[-1])
    people = [
        {
            "token": salesop(env, "token", "--user", user, "--name", "writers").split()[-1],
            "channel": made["channel"],
            "account": account,
        }
        for user, account in made["accounts"].items()
    ]
    log = data / "server.log"
    port = free_port()
    server = serve(env, port, workers, log)
    worker = None
    if job_worker:
        with log.open("ab") as stream:
            worker = subprocess.Popen(
                [sys.executable, "-m", "salesop.cli", "worker"], env=env, stderr=stream
            )
    s = Site(data, env, port, people, server, log)
    try:
        yield s
    except BaseException:
        s.keep = True
        raise
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(30)
        if not s.keep:
            shutil.rmtree(data, ignore_errors=True)


def post(port: int, who: dict, kind: str, marker: str) -> Sent:
    headers = {
        "Authorization": f"Bearer {who['token']}",
        "Content-Type": "application/json",
        "Connection": "close",
    }
    if kind == "lead":
        path = "/api/v1/leads"
        body = {"company_name": f"{marker} 有限公司", "channel_id": who["channel"]}
    else:
        path = f"/api/v1/accounts/{who['account']}/activities"
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
    except OSError as exc:
        answer = repr(exc)
    ok = 200 <= status < 300
    return Sent(marker, kind, time.monotonic() - began, status, "" if ok else answer)


def writer(port: int, who: dict, prefix: str, until: float, out: list) -> None:
    i = 0
    while time.monotonic() < until:
        i += 1
        out.append(post(port, who, "lead" if i % 2 else "activity", f"{prefix}{i}"))


def reader(port: int, who: dict, until: float, out: Outcome) -> None:
    headers = {"Authorization": f"Bearer {who['token']}", "Connection": "close"}
    while time.monotonic() < until:
        status = 0
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            conn.request("GET", "/api/v1/leads", headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            conn.close()
        except OSError:
            pass
        out.reads[status] += 1


def churner(db: Path, until: float, out: Outcome) -> None:
    while time.monotonic() < until:
        try:
            conn = sqlite3.connect(db, timeout=20)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            conn.close()
            out.churned += 1
        except sqlite3.Error as exc:
            out.side_errors[getattr(exc, "sqlite_errorname", str(exc))] += 1


def checkpointer(db: Path, every: float, until: float, out: Outcome) -> None:
    while time.monotonic() + every < until:
        time.sleep(every)
        try:
            conn = sqlite3.connect(db, timeout=20)
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            conn.close()
            out.checkpoints += 1
        except sqlite3.Error as exc:
            out.side_errors[getattr(exc, "sqlite_errorname", str(exc))] += 1


def watch_wal(db: Path, until: float, out: Outcome) -> None:
    wal = db.with_name(db.name + "-wal")
    while time.monotonic() < until:
        try:
            out.wal_peak = max(out.wal_peak, wal.stat().st_size)
        except FileNotFoundError:
            pass  # the last connection to close checkpointed and deleted it
        time.sleep(0.2)


def count_calls(server: subprocess.Popen, db: Path, trace: Path) -> subprocess.Popen:
    """strace attached to the running server (master and workers), counting the system calls on
    the database and its WAL and wal-index files until it is interrupted."""
    pids = [server.pid]
    pids += Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    paths = [f"-P{db}{suffix}" for suffix in ("", "-wal", "-shm")]
    attach = [arg for pid in pids for arg in ("-p", str(pid))]
    tracer = subprocess.Popen(["strace", "-f", "-c", "-o", str(trace), *paths, *attach])
    time.sleep(2)  # attached
    return tracer


def resident(pid: int) -> dict:
    """Resident memory (VmRSS, MB) of the server's master and workers."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    sizes = {}
    for each in pids:
        status = Path(f"/proc/{each}/status").read_text()
        kb = int(re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE).group(1))
        sizes["master" if each == pid else f"worker {len(sizes)}"] = round(kb / 1024)
    return sizes


def run_writers(
    s: Site,
    writers: int,
    seconds: float,
    readers: int = 0,
    churn: int = 0,
    checkpoint: float = 0,
    trace: Path | None = None,
) -> Outcome:
    """`writers` threads writing back to back for `seconds`, and what else was asked for."""
    out = Outcome()
    prefix = f"w{secrets.token_hex(3)}-"
    tracer = count_calls(s.server, s.db, trace) if trace else None
    until = time.monotonic() + seconds
    jobs = [
        (writer, (s.port, s.people[n % 2], f"{prefix}{n}-", until, out.sent))
        for n in range(writers)
    ]
    jobs += [(reader, (s.port, s.people[n % 2], until, out)) for n in range(readers)]
    jobs += [(churner, (s.db, until, out))] * churn
    jobs += [(checkpointer, (s.db, checkpoint, until, out))] if checkpoint else []
    jobs += [(watch_wal, (s.db, until, out))]
    threads = [threading.Thread(target=target, args=args) for target, args in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.rss = resident(s.server.pid)
    if tracer is not None:
        tracer.send_signal(signal.SIGINT)  # detaches and writes its counts
        tracer.wait(60)
    return out


def check(s: Site, out: Outcome) -> dict:
    """The figures of a run, and what the database holds for its markers."""
    conn = sqlite3.connect(s.db, timeout=30)
    leads = [name for (name,) in conn.execute("SELECT company_name FROM leads_lead")]
    subjects = [subject for (subject,) in conn.execute("SELECT subject FROM activities_activity")]
    conn.close()
    markers = {sent.marker for sent in out.sent}
    written = [name.split(" ")[0] for name in leads] + subjects
    written = [marker for marker in written if marker in markers]
    ok = {sent.marker for sent in out.sent if 200 <= sent.status < 300}
    failed = [sent for sent in out.sent if not 200 <= sent.status < 300]
    raised = Counter(
        line.strip()
        for line in s.log.read_text(encoding="utf-8", errors="replace").splitlines()
        if re.match(r"^[\w.]*(Error|Exception)\b.*:", line.strip())
    )
    times = sorted(sent.seconds for sent in out.sent) or [0.0]
    return {
        "writes": len(out.sent),
        "ok": len(ok),
        "errors": len(failed),
        "statuses": dict(Counter(sent.status or "no answer" for sent in failed)),
        "examples": sorted({f"{f.kind} {f.status}: {f.answer[:160]}" for f in failed})[:5],
        "raised": dict(raised.most_common(8)),
        "p50_seconds": round(times[len(times) // 2], 3),
        "p95_seconds": round(times[int(0.95 * (len(times) - 1))], 3),
        "slowest_seconds": round(times[-1], 2),
        "missing": sorted(ok - set(written))[:5],
        "unexplained": sorted(set(written) - ok - {f.marker for f in failed})[:5],
        "twice": len(written) - len(set(written)),
        "wal_peak_mb": round(out.wal_peak / 2**20, 1),
        "server_rss_mb": out.rss,
        "reads": dict(out.reads),
        "churned": out.churned,
        "checkpoints": out.checkpoints,
        "side_errors": dict(out.side_errors),
    }


def failed(result: dict) -> bool:
    return bool(result["errors"] or result["missing"] or result["unexplained"] or result["twice"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--readers", type=int, default=0, help="threads reading lead lists")
    parser.add_argument("--worker", action="store_true", help="run `salesop worker` beside")
    parser.add_argument("--churn", type=int, default=0, help="threads opening/closing sqlite3")
    parser.add_argument("--checkpoint", type=float, default=0, help="TRUNCATE checkpoint every S")
    parser.add_argument("--strace", help="count the server's system calls on the database files")
    parser.add_argument("--data-dir", help="where the data directories are made (a disk to try)")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        base = Path(args.data_dir) if args.data_dir else None
        with site(base, workers=args.workers, job_worker=args.worker) as s:
            out = run_writers(
                s,
                args.writers,
                args.seconds,
                readers=args.readers,
                churn=args.churn,
                checkpoint=args.checkpoint,
                trace=Path(args.strace) if args.strace else None,
            )
            results.append(check(s, out))
            if failed(results[-1]):
                s.keep = True
                results[-1]["data_dir"] = str(s.data)
        print(json.dumps(results[-1], indent=1, ensure_ascii=False), flush=True)
    if not args.no_record:
        rows = [
            (
                str(n),
                f"{r['writes']:,}",
                f"{r['ok'] / args.seconds:.0f}/s",
                str(r["errors"]),
                f"{r['p50_seconds'] * 1000:.0f} ms / {r['p95_seconds'] * 1000:.0f} ms / "
                f"{r['slowest_seconds']:.1f} s",
                f"{r['wal_peak_mb']:.0f} MB",
                f"{len(r['missing'])} / {len(r['unexplained'])} / {r['twice']}",
            )
            for n, r in enumerate(results, start=1)
        ]
        record(
            "SQLite: concurrent API writers",
            rows,
            (
                "run",
                "writes",
                "answered 2xx",
                "errors (anything but 2xx)",
                "answer p50 / p95 / slowest",
                "WAL at its largest",
                "2xx without record / record without 2xx / twice",
            ),
            f"`python -m bench.sqlite_writers --writers {args.writers} --seconds "
            f"{args.seconds:g} --runs {args.runs}`: each run a fresh data directory served by "
            f"`salesop serve --no-worker --workers {args.workers}` (gunicorn, 4 threads each), "
            f"{args.writers} threads writing leads and activities through the API back to back "
            f"for {args.seconds:g} s with two people's tokens from `salesop token`.",
        )
    raise SystemExit(1 if any(failed(r) for r in results) else 0)


if __name__ == "__main__":
    main()
