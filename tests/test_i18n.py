"""Both languages are complete: every string in the code is in the zh-Hans catalogue, translated,
and the compiled catalogue matches it."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_clock

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "salesop"
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

_ENTRY = re.compile(
    r'(?P<flags>(?:#,[^\n]*\n)?)(?:msgctxt (?P<ctx>(?:"[^\n]*"\n)+))?msgid (?P<id>(?:"[^\n]*"\n)+)'
    r'(?:msgid_plural (?:"[^\n]*"\n)+)?(?P<strs>(?:msgstr(?:\[\d\])? (?:"[^\n]*"\n)+)+)'
)


def _join(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode("raw_unicode_escape").decode("unicode_escape")


def catalogue(path: Path) -> dict[tuple[str | None, str], tuple[str, bool]]:
    """(context, msgid) -> (translation, fuzzy)"""
    entries = {}
    for m in _ENTRY.finditer(path.read_text(encoding="utf-8") + "\n"):
        msgid = _join(m["id"])
        if msgid:
            strs = re.split(r"msgstr(?:\[\d\])? ", m["strs"])[1:]
            context = _join(m["ctx"]) if m["ctx"] else None
            entries[(context, msgid)] = (_join(strs[0]), "fuzzy" in m["flags"])
    return entries


def test_every_string_is_translated_and_not_fuzzy():
    entries = catalogue(PO)
    assert len(entries) > 100
    untranslated = [k for k, (v, _) in entries.items() if not v]
    fuzzy = [k for k, (_, f) in entries.items() if f]
    assert untranslated == [] and fuzzy == []


def test_compiled_catalogue_matches_the_source():
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        (ctx, msgid)
        for (ctx, msgid), (v, _) in catalogue(PO).items()
        if (compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)) != v
    ]
    assert stale == [], "run: cd src/salesop && salesop manage compilemessages"


def test_catalogue_holds_every_string_in_the_code(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is needed to check the catalogue: apt-get install gettext")
    copy = tmp_path / "salesop"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(PACKAGE.parents[1]),
        },
    )
    fresh = catalogue(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = sorted(set(fresh) - set(catalogue(PO)), key=lambda k: (k[0] or "", k[1]))
    assert missing == [], "run makemessages and translate these"
