"""Hostile playbook YAML (an alias bomb, nesting thousands deep, an alias inside itself) is
refused fast and small with the line it is on, through the command line, the in-app editor and
the API; a playbook that uses a few aliases honestly still loads."""

import os
import re
import resource
import secrets
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.utils import translation

from salesop.core.testing import signed_in
from salesop.playbook.loader import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_VALUES,
    InvalidPlaybook,
    parse_playbook,
    yaml_data,
    yaml_text,
)
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.services import default_playbook_text

pytestmark = pytest.mark.no_clock

# Nine levels of nine aliases each: a billion values once expanded, 600 bytes as text. Before
# the loader counted aliases, `salesop playbook validate` ran 37 s and 2.96 GB on it.
BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    + ["name: *a8", ""]
)
ALIAS_LINES = range(2, 11)

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@contextmanager
def measured():
    """CPU time (a busy machine does not stretch it) and peak Python memory of the block. The
    address space is capped about 1 GB above what the process holds, so a loader that expands
    the bomb fails here with MemoryError in seconds instead of taking the machine's memory (as
    it did: 2.96 GB)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    status = Path("/proc/self/status").read_text()
    held = int(re.search(r"VmSize:\s+(\d+) kB", status).group(1)) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (held + 1024 * MB, hard))
    figures = {}
    tracemalloc.start()
    started = time.process_time()
    try:
        yield figures
    finally:
        figures["seconds"] = time.process_time() - started
        figures["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def test_the_bomb_is_refused_at_the_line_its_aliases_cross_the_budget():
    with measured() as figures, pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(BOMB)
    assert figures["seconds"] < 1 and figures["peak"] < 100 * MB, figures
    [error] = refused.value.errors
    assert error.line in ALIAS_LINES and "alias" in error.message


def doubling(levels: int) -> str:
    # Few aliases, each doubling the one before: within the alias budget, 2**levels values.
    lines = ["d0: &d0 x"] + [f"d{i}: &d{i} [*d{i - 1}, *d{i - 1}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_few_aliases_that_expand_beyond_the_value_budget_are_refused():
    levels = 30
    assert 2 * levels <= MAX_ALIASES and 2**levels > MAX_VALUES
    with measured() as figures, pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(doubling(levels))
    assert figures["seconds"] < 1 and figures["peak"] < 100 * MB, figures
    [error] = refused.value.errors
    # Lines 1 to L hold 2**(L+1) - 2 values once expanded (keys included): refused on the
    # first line that carries the document past the bound.
    expected = next(n for n in range(1, levels + 2) if 2 ** (n + 1) - 2 > MAX_VALUES)
    assert error.line == expected and f"{MAX_VALUES:,}" in error.message


def test_more_aliases_than_the_budget_are_refused_naming_the_first_one_over():
    text = "x: &x 1\n" + "".join(f"k{i}: *x\n" for i in range(MAX_ALIASES + 5))
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(text)
    [error] = refused.value.errors
    assert error.line == MAX_ALIASES + 2 and str(MAX_ALIASES) in error.message


def test_nesting_thousands_deep_is_refused_not_a_recursion_error():
    text = "name: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(text)
    [error] = refused.value.errors
    assert error.line == 1 and str(MAX_DEPTH) in error.message


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook("name: x\nloop: &loop\n  - 1\n  - *loop\n")
    [error] = refused.value.errors
    assert error.line == 4 and "*loop" in error.message


def test_a_playbook_with_a_few_honest_aliases_loads():
    data = yaml_data(default_playbook_text())
    data["stages"][1]["movers"] = "SHARED"
    text = yaml_text(data)
    first = "  movers:\n  - rep\n  - manager\n"
    text = text.replace(first, first.replace("movers:", "movers: &movers"), 1)
    text = text.replace("movers: SHARED", "movers: *movers")
    assert "*movers" in text and "&movers" in text
    playbook = parse_playbook(text)
    assert playbook.stages[1].movers == playbook.stages[0].movers


@pytest.mark.process
def test_the_command_line_refuses_the_bomb_fast_and_small(tmp_path):
    """`salesop playbook validate` as a user runs it: its peak memory and CPU time compared with
    validating the shipped playbook, the process capped at 1 GB of address space. CPU time, not
    wall time: the suite runs on parallel workers, and a busy machine stretches a child's wall
    time by seconds without it doing any more work."""
    salesop = str(Path(sys.executable).with_name("salesop"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    env.update(
        SALESOP_DATA_DIR=str(tmp_path),
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_LANGUAGE="en",
    )

    def cap():
        # A regression fails here in seconds instead of taking the machine's memory.
        resource.setrlimit(resource.RLIMIT_AS, (1024 * MB, 1024 * MB))
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))

    def validate(path: Path) -> tuple[int, str, float, int]:
        process = subprocess.Popen(  # noqa: S603
            [salesop, "playbook", "validate", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=cap,  # noqa: PLW1509 (no threads in the child before exec)
        )
        output = process.stdout.read().decode()
        # wait4, not wait: the peak resident memory and the CPU time of this child alone.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        cpu_seconds = usage.ru_utime + usage.ru_stime
        return process.returncode, output, cpu_seconds, usage.ru_maxrss * 1024

    shipped = tmp_path / "default.yaml"
    shipped.write_text(default_playbook_text(), encoding="utf-8")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB, encoding="utf-8")
    code, _, baseline_seconds, baseline_memory = validate(shipped)
    assert code == 0
    code, output, seconds, memory = validate(bomb)
    assert code == 1, output
    assert "Traceback" not in output and "MemoryError" not in output
    line = int(re.match(rf"{re.escape(str(bomb))}:(\d+): ", output).group(1))
    assert line in ALIAS_LINES and "alias" in output
    assert seconds < baseline_seconds + 1 and memory < baseline_memory + 100 * MB, (
        seconds,
        baseline_seconds,
        memory // MB,
        baseline_memory // MB,
    )


@pytest.mark.django_db
def test_the_editor_refuses_the_bomb_fast_and_small_naming_the_line(org):
    client = signed_in(org.ops)
    assert client.get("/playbook/new/").status_code == 200  # templates and catalogs loaded
    with measured() as figures:
        page = client.post("/playbook/new/", {"text": BOMB, "comment": "lol"})
    assert figures["seconds"] < 1 and figures["peak"] < 100 * MB, figures
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="playbook-errors"' in html
    assert any(f"line {n}" in html for n in ALIAS_LINES) and "alias" in html
    assert PlaybookVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_api_refuses_the_bomb_fast_and_small_naming_the_line(org):
    client = signed_in(org.ops)
    assert client.get("/api/v1/playbook/versions").status_code == 200  # the API imported
    with measured() as figures:
        response = client.post(
            "/api/v1/playbook/versions", {"text": BOMB}, content_type="application/json"
        )
    assert figures["seconds"] < 1 and figures["peak"] < 100 * MB, figures
    assert response.status_code == 422
    [error] = response.json()["errors"]
    line = int(re.match(r"line (\d+): ", error["msg"]).group(1))
    assert line in ALIAS_LINES and "alias" in error["msg"]
    assert PlaybookVersion.objects.count() == 1
