"""Static proofs of item 9 of the reliability issue: bandit reports nothing unsuppressed (each
suppression says why, beside the line), and no secret is committed."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_clock

ROOT = Path(__file__).resolve().parent.parent

SECRETS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "salesop API token": re.compile(r"\bsop_[A-Za-z0-9_-]{30,}"),
    "secret key setting": re.compile(r"SALESOP_SECRET_KEY\s*=\s*['\"]?[A-Za-z0-9_\-]{30,}"),
}


def test_bandit_reports_nothing_unsuppressed():
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "src", "-q", "-f", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']}" for r in report["results"]]
    assert found == []


def test_no_secret_is_committed():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in files:
        if "/static/vendor/" in name:
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        found += [f"{name}: {what}" for what, pattern in SECRETS.items() if pattern.search(text)]
    assert found == []
