"""SQLite with many API writers at once (issue 21 saw 15 x 500 "disk I/O error" among 16 writers,
once): the writers wait for the one write lock, none fails, and every write answered 2xx is in
the database, once. The server keeps its database connections open, so a write no longer opens
the database, its WAL and wal-index, and, as the last connection closes, checkpoints, fsyncs and
deletes the WAL for the next request to make again: those file operations are where SQLite
answers "disk I/O error" when the disk falters (docs/RELIABILITY.md, bench/RESULTS.md).

A real server (`salesop serve --no-worker` on a data directory of its own) and real HTTP
writers, as bench.sqlite_writers runs them; the full proof, 16 writers for 60 s five times, is
`python -m bench.sqlite_writers`."""

import sqlite3
import time

import pytest
from bench.sqlite_writers import check, failed, post, run_writers, site

WRITERS = 16
SECONDS = 12  # the benchmark's 60 s x 5, shortened for CI


@pytest.mark.process
def test_sixteen_api_writers_wait_their_turn_and_none_fails(tmp_path):
    with site(tmp_path) as s:
        conn = sqlite3.connect(s.db)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.close()

        # One write at a time with the server idle in between: the WAL stays, the same file.
        wal = s.db.with_name(s.db.name + "-wal")
        files = set()
        for n in range(4):
            assert post(s.port, s.people[0], ("lead", "activity")[n % 2], f"one-{n}").status == 201
            time.sleep(0.5)  # well after the request ended (and, before, its connection closed)
            assert wal.exists(), "the last connection closed: it checkpointed and deleted the WAL"
            files.add(wal.stat().st_ino)
        assert len(files) == 1

        result = check(s, run_writers(s, WRITERS, SECONDS))

    assert result["errors"] == 0, result["examples"]
    assert not failed(result), result
    assert result["ok"] >= WRITERS * 5  # each writer wrote, over and over
