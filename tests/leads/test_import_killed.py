"""A worker killed mid-import (SIGKILL: no handler runs) leaves a job whose counts are exactly
the rows it wrote; the sweep fails it, and `salesop import resume` brings in the rest, every
row once. Run as an operator would: `salesop import` in a process of its own on a data
directory of its own, killed once its job says two batches are in."""

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROWS = 20_000
BAD = {7, 4_321, 15_000}  # file rows with no company: row errors, before and after the kill


@pytest.mark.process
def test_an_import_killed_mid_file_is_resumed_and_every_row_comes_in_once(tmp_path):
    salesop = str(Path(sys.executable).with_name("salesop"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(SALESOP_DATA_DIR=str(tmp_path), SALESOP_SECRET_KEY=secrets.token_urlsafe(50))

    def run(*args):
        return subprocess.run(
            [salesop, *args], env=env, capture_output=True, text=True, timeout=300
        )

    assert run("migrate").returncode == 0
    seeded = run(
        "manage", "shell", "-c",
        "from salesop.core.testing import make_channel, make_org; make_org(); "
        "make_channel('展会')",
    )  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    data = tmp_path / "leads.csv"
    lines = ["公司名称,联系人,手机"]
    for number in range(2, ROWS + 2):  # the header is row 1
        name = "" if number in BAD else f"第{number}号贸易有限公司"
        lines.append(f"{name},王经理,139{number:08d}")
    data.write_text("\r\n".join(lines) + "\r\n", encoding="gbk")
    db = tmp_path / "salesop.sqlite3"

    def query(sql: str):
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(sql).fetchone()

    # "create": duplicates are not looked for, so only the job's record of what it wrote keeps
    # a resumed run from writing rows twice
    importing = subprocess.Popen(  # noqa: S603
        [salesop, "import", "leads", str(data), "--channel", "展会", "--user", "rep",
         "--valid-only", "--dedupe", "create"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and importing.poll() is None:
        row = query("select committed_row from leads_importjob")
        if row and row[0] >= 2001:
            break
        time.sleep(0.02)
    os.kill(importing.pid, signal.SIGKILL)
    importing.wait()
    job_id, status, committed, created, errors = query(
        "select id, status, committed_row, created_count, error_count from leads_importjob"
    )
    assert status == "running" and 2001 <= committed < ROWS + 1, "the kill should land mid-file"
    bad_before = len({n for n in BAD if n <= committed})
    # what the job counts is exactly what is in the database
    assert query("select count(*) from leads_lead") == (created,)
    assert (created, errors) == (committed - 1 - bad_before, bad_before)

    swept = run("sweep", "--no-send")
    assert swept.returncode == 0, swept.stderr
    status, interrupted, message = query("select status, interrupted, message from leads_importjob")
    assert (status, interrupted) == ("failed", 1)
    assert f"第 {committed} 行及之前的行已导入" in message and "继续导入" in message

    assert run("import", "resume", str(job_id), "--user", "teammate").returncode == 1
    resumed = run("import", "resume", str(job_id), "--user", "rep")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"从第 {committed} 行之后继续" in resumed.stderr
    assert query("select count(*), count(distinct company_name) from leads_lead") == (
        ROWS - len(BAD),
        ROWS - len(BAD),
    )
    assert query(
        "select status, created_count, error_count, processed_rows, interrupted "
        "from leads_importjob"
    ) == ("done", ROWS - len(BAD), len(BAD), ROWS, 0)
    assert query("select count(*) from monitor_heartbeat") == (0,)
