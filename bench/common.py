"""Shared set-up for benchmarks: a database of their own (never the demo's or the tests'),
Django configured from the same settings module as production."""

import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "RESULTS.md"


def setup(db: str, name: str, fresh: bool = True) -> Path:
    """Points salesop at a fresh benchmark database (or, with `fresh` False, the one a
    previous run left): SQLite under bench/.data, or a PostgreSQL database `name` on
    SALESOP_BENCH_PG (default 127.0.0.1, user postgres). Returns the data directory."""
    data = ROOT / ".data" / name
    data.mkdir(parents=True, exist_ok=True)
    os.environ["SALESOP_DATA_DIR"] = str(data)
    os.environ.setdefault("SALESOP_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["SALESOP_EMAIL_URL"] = "dummy://"
    if db == "postgres":
        server = os.environ.get("SALESOP_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        if fresh:
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True
            )
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        os.environ["SALESOP_DATABASE_URL"] = f"{server}/{name}"
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            (data / f"salesop.sqlite3{suffix}").unlink(missing_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "salesop.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return data


def summary(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def machine() -> str:
    cpus = os.cpu_count()
    return f"{cpus} cores, Python {sys.version.split()[0]}"


def record(
    section: str, rows: list[tuple[str, ...]], header: tuple[str, ...], notes: str = ""
) -> None:
    """Replaces `section` in RESULTS.md with a fresh table and its notes (other sections are
    kept)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    marker = f"\n## {section}\n"
    if marker in text:
        before, rest = text.split(marker, 1)
        after = rest[rest.index("\n## ") :] if "\n## " in rest else ""
        text = before + after
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    table = [
        marker.rstrip("\n"),
        "",
        f"Measured {stamp} on {machine()}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    table += ["| " + " | ".join(row) + " |" for row in rows]
    if notes:
        table += ["", notes.strip()]
    RESULTS.write_text(text.rstrip("\n") + "\n" + "\n".join(table) + "\n", encoding="utf-8")


def timed(fn, repeats: int) -> tuple[float, float, int]:
    """Median and p95 (ms) of `repeats` calls after a warm-up, and the queries one call runs."""
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
