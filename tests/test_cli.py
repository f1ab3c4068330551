"""The `salesop` command as a user runs it, in a fresh data directory each time."""

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

SALESOP = str(Path(sys.executable).with_name("salesop"))


def run(*args, env=None, input=None):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    return subprocess.run(
        [SALESOP, *args],
        # English unless a test says otherwise: the messages its assertions read
        env={**clean, "SALESOP_LANGUAGE": "en", **(env or {})},
        capture_output=True,
        text=True,
        input=input,
        timeout=180,
    )


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608
            for table in (
                "accounts_user",
                "accounts_team",
                "customers_account",
                "customers_contact",
                "accounts_rolegrant",
                "deals_deal",
                "deals_stageevent",
                "activities_activity",
                "activities_task",
                "playbook_playbookversion",
            )
        }


def test_demo_twice_does_not_duplicate(tmp_path):
    env = {"SALESOP_DATA_DIR": str(tmp_path / "data")}
    first = run("demo", "--no-serve", env=env)
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8000/" in first.stdout
    assert "manager" in first.stdout and "legal" in first.stdout and "password" in first.stdout
    before = counts(tmp_path / "data" / "salesop.sqlite3")
    assert before["customers_account"] >= 10 and before["accounts_user"] >= 10
    assert before["deals_deal"] >= 10 and before["playbook_playbookversion"] == 2
    assert before["customers_contact"] >= 40  # the old CRM's contact export, imported
    assert before["activities_activity"] >= 40  # and its call log
    second = run("demo", "--no-serve", env=env)
    assert second.returncode == 0, second.stderr
    assert counts(tmp_path / "data" / "salesop.sqlite3") == before
    # The same password is printed both times: it is kept in the data directory.
    password = [line for line in first.stdout.splitlines() if "password" in line]
    assert password == [line for line in second.stdout.splitlines() if "password" in line]


def production_env(tmp_path):
    return {
        "SALESOP_DATA_DIR": str(tmp_path),
        "SALESOP_SECRET_KEY": secrets.token_urlsafe(50),
        "SALESOP_ALLOWED_HOSTS": "crm.example.com",
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run("check", "--deploy", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_an_unsafe_setting(tmp_path):
    result = run("check", "--deploy", env={**production_env(tmp_path), "SALESOP_HTTPS": "false"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stdout + result.stderr


def test_missing_secret_key_is_a_clear_startup_error(tmp_path):
    result = run("check", env={"SALESOP_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SALESOP_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SALESOP_DEBUG", "maybe", "not a boolean"),
        ("SALESOP_TIME_ZONE", "Mars/Base", "not a known time zone"),
        ("SALESOP_LANGUAGE", "fr", "use zh-hans or en"),
        ("SALESOP_EMAIL_URL", "carrier-pigeon://x", "not supported"),
        ("SALESOP_REPORT_CURRENCY", "yuan", "ISO 4217"),
    ],
)
def test_bad_settings_are_refused_by_name(tmp_path, name, value, message):
    result = run("check", env={**production_env(tmp_path), name: value})
    assert result.returncode != 0
    assert name in result.stderr and message in result.stderr


def test_createadmin_and_token_from_the_command_line(tmp_path):
    env = production_env(tmp_path)
    assert run("migrate", env=env).returncode == 0
    weak = run("createadmin", "--username", "boss", "--password-stdin", env=env, input="123\n")
    assert weak.returncode != 0 and "password refused" in weak.stderr
    ok = run(
        "createadmin",
        "--username",
        "boss",
        "--password-stdin",
        env=env,
        input="A-long-admin-pass-77\n",
    )
    assert ok.returncode == 0, ok.stderr
    token = run("token", "--user", "boss", "--name", "backup script", env=env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("sop_")
    assert run("token", "--user", "ghost", "--name", "x", env=env).returncode != 0
    # The monthly review of an empty database: said so, files written, nothing divided by 0.
    review = run("review", "--month", "2026-10", "--out", str(tmp_path / "r"), "--send", env=env)
    assert review.returncode == 0, review.stderr
    assert "SOP review 2026-10 as seen by boss" in review.stdout and "Sent to 1" in review.stdout
    assert (tmp_path / "r" / "sop-review-2026-10.docx").stat().st_size > 0
    assert (tmp_path / "r" / "sop-review-2026-10.xlsx").stat().st_size > 0
    future = run("review", "--month", "2099-01", env=env)
    assert future.returncode != 0 and "has not happened yet" in future.stderr


def test_demo_serves_the_site_with_its_worker_and_stops_cleanly(tmp_path):
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    server = subprocess.Popen(
        [SALESOP, "demo", "--port", str(port), "--workers", "1"],
        env={**clean, "SALESOP_DATA_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        page = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:  # noqa: S310
                    page = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert "salesop" in page and 'name="password"' in page
        children = subprocess.run(
            ["pgrep", "-f", "-s", str(server.pid), "salesop.cli worker"],
            capture_output=True,
            text=True,
        ).stdout.split()
        assert children, "the worker runs beside the web server"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    # its helpers (the worker, the document renderer's fork server) follow within seconds
    for _ in range(20):
        left = subprocess.run(["pgrep", "-s", str(server.pid)], capture_output=True, text=True)
        if not left.stdout.strip():
            break
        time.sleep(0.5)
    assert left.stdout.strip() == "", "nothing of the demo keeps running"


def test_the_worker_process_knows_every_scheduled_job(tmp_path):
    """The worker imports only the apps' tasks modules: a nightly or monthly job registered in
    a module nothing else imports would never run there (the aggregates' did not)."""
    shown = run(
        "manage",
        "shell",
        "-c",
        "from salesop.monitor import jobs; print(sorted(jobs.NIGHTLY), sorted(jobs.MONTHLY))",
        env={"SALESOP_DATA_DIR": str(tmp_path), "SALESOP_DEBUG": "1"},
    )
    assert shown.returncode == 0, shown.stderr
    assert "'insights_aggregates'" in shown.stdout and "'sop_review'" in shown.stdout


@pytest.mark.parametrize(
    ("language", "valid"), [("zh-hans", "有效的流程手册"), ("en", "valid playbook")]
)
def test_the_command_speaks_the_installation_language_alone(tmp_path, language, valid):
    """Its own words and the messages of what it calls, in SALESOP_LANGUAGE: the tester saw
    English framing around Chinese messages in one run."""
    from salesop.playbook.services import default_playbook_text

    env = {**production_env(tmp_path), "SALESOP_LANGUAGE": language}
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(default_playbook_text(), encoding="utf-8")
    bad.write_text("name: x\nsince: 2026-02-30\n", encoding="utf-8")
    checked = run("playbook", "validate", str(good), env=env)
    assert checked.returncode == 0 and valid in checked.stdout, checked.stdout + checked.stderr
    checked = run("playbook", "validate", str(bad), env=env)
    assert checked.returncode == 1 and "bad.yaml:2: since: " in checked.stdout, checked.stdout
    future = run("review", "--month", "2099-01", env=env)
    assert future.returncode == 1
    if language == "zh-hans":
        assert "无法将" in checked.stdout and "cannot" not in checked.stdout
        assert "2099-01 还没有到" in future.stderr
    else:
        assert "cannot read" in checked.stdout and "2099-01 has not happened" in future.stderr
