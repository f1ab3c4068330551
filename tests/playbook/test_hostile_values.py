"""Playbook YAML that composes but whose values Python cannot build (a 30 February, a
5,000-digit number, a list as a key, a Python object's tag) is refused like any other error,
naming the path and the line, through the loader, the command line's `playbook validate` and
`playbook load`, the in-app editor and the API: never a 500 or a traceback."""

import re

import pytest
from django.utils import translation

from salesop.cli import main
from salesop.core.testing import signed_in
from salesop.playbook.loader import InvalidPlaybook, parse_playbook
from salesop.playbook.models import PlaybookVersion

# (text, path, line): the first error names that path and line. Each value sits where the
# schema would refuse it anyway, so what is tested is that building it refuses first.
HOSTILE = {
    "an invalid date": ("name: x\nsla:\n  since: 2026-02-30\n", "sla.since", 3),
    "an hour past 24": ("name: x\nsince: 2026-01-01 25:00:00\n", "since", 2),
    "an offset of 99 hours": ("name: x\nsince: 2026-01-01T00:00:00+99:00\n", "since", 2),
    "a timestamp tag on no month": ('name: x\nsince: !!timestamp "2026-99-99"\n', "since", 2),
    "5,000 digits": ("name: x\nbant:\n  weight: " + "9" * 5000 + "\n", "bant.weight", 3),
    "a float tag on a word": ('name: x\nratio: !!float "abc"\n', "ratio", 2),
    "a float tag on nothing": ('name: x\nratio: !!float ""\n', "ratio", 2),
    "an int tag on 0x": ('name: x\nstages:\n  - !!int "0x"\n', "stages[0]", 3),
    "an int tag on a sign": ('name: x\nn: !!int "-"\n', "n", 2),
    "an int tag on nothing": ('name: x\nn: !!int ""\n', "n", 2),
    "a list as a key": ("name: x\nstages:\n  ? [a, b]\n  : 1\n", "stages", 3),
    "a mapping as a key": ("name: x\n? {a: 1}\n: 2\n", "", 2),
    "a bad int as a key": ('name: x\nrevisit_days:\n  !!int "0x": 1\n', "revisit_days.0x", 3),
    "a Python object": ("name: x\nowner: !!python/object:os.system {}\n", "owner", 2),
    "a Python name": ("name: x\nowner: !!python/name:os.system ''\n", "owner", 2),
    "binary garbage": ('name: x\nlogo: !!binary "abc"\n', "logo", 2),
    "a set": ("name: !!set {a, b}\n", "name", 1),
    "a string tag on a mapping": ("name: x\nlabel: !!str {a: 1}\n", "label", 2),
    "an ordered map of scalars": ("name: x\nsteps: !!omap [a, b]\n", "steps", 2),
    "a merge of a number": ("name: x\nsla:\n  <<: 1\n", "sla", 3),
    "a NUL character": ("name: x\nlabel: a\x00b\n", "", 2),
}
CASES = [pytest.param(*case, id=name) for name, case in HOSTILE.items()]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("text", "path", "line"), CASES)
def test_the_loader_refuses_it_naming_path_and_line(text, path, line):
    with pytest.raises(InvalidPlaybook) as refused:
        parse_playbook(text)
    first = refused.value.errors[0]
    assert (first.path, first.line) == (path, line), refused.value.errors


def _run(capsys, *argv) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(argv))
    out, err = capsys.readouterr()
    return ended.value.code, out + err


@pytest.mark.parametrize(("text", "path", "line"), CASES)
def test_the_command_line_validate_names_path_and_line(tmp_path, capsys, text, path, line):
    file = tmp_path / "hostile.yaml"
    file.write_text(text, encoding="utf-8")
    code, output = _run(capsys, "playbook", "validate", str(file))
    assert code == 1 and "Traceback" not in output
    first = output.splitlines()[0]
    assert first.startswith(f"{file}:{line}: {path or '-'}: "), output


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "path", "line"), CASES)
def test_the_command_line_load_names_path_and_line(tmp_path, capsys, org, text, path, line):
    file = tmp_path / "hostile.yaml"
    file.write_text(text, encoding="utf-8")
    code, output = _run(capsys, "playbook", "load", str(file))
    assert code == 1 and "Traceback" not in output
    where = f"{path} (line {line})" if path else f"line {line}"
    assert output.splitlines()[0].startswith(f"{file}: {where}: "), output
    assert PlaybookVersion.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "path", "line"), CASES)
def test_the_editor_names_path_and_line(org, text, path, line):
    client = signed_in(org.ops)
    # The form refuses a NUL before the loader sees it, with its own message.
    nul = "\x00" in text
    page = client.post("/playbook/new/", {"text": text, "comment": "hostile"})
    html = page.content.decode()
    assert page.status_code == 200
    if nul:
        assert "Null characters are not allowed" in html
    else:
        assert 'data-testid="playbook-errors"' in html
        assert f"line {line} · <code>{path or '—'}</code>" in html, html
    assert PlaybookVersion.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "path", "line"), CASES)
def test_the_api_names_path_and_line(org, text, path, line):
    client = signed_in(org.ops)
    response = client.post(
        "/api/v1/playbook/versions", {"text": text}, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    body = response.json()
    if body["code"] == "nul_character":  # refused while the body is read, before the loader
        return
    first = body["errors"][0]
    assert first["loc"] == ["body", "text", *([path] if path else [])]
    assert re.match(rf"line {line}: ", first["msg"]), first
    assert PlaybookVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_api_refuses_a_lone_surrogate_in_the_text(org):
    client = signed_in(org.ops)
    response = client.post(
        "/api/v1/playbook/versions",
        '{"text": "name: x\\nlabel: \\ud800\\n"}',
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert PlaybookVersion.objects.count() == 1


def test_the_command_line_gives_no_line_for_an_error_without_one(tmp_path, capsys):
    file = tmp_path / "large.yaml"
    file.write_text("name: x\n" + "# padding\n" * 30_000, encoding="utf-8")
    code, output = _run(capsys, "playbook", "validate", str(file))
    assert code == 1
    assert output == f"{file}: -: the playbook is larger than 256 KB\n"
