"""Every page of the demo company, as each of its people reads it in Simplified Chinese, shows
no internal key (a snake_case or dotted key, a stage, status or clause key, raw JSON) and no
untranslated English, and every page answers 200 or a redirect; every audit trail of the demo
reads in Chinese too.

Each person's crawl starts at their home page and follows every link of the site (and every
htmx GET a page makes), GET only: not the admin (Django's own, translated by Django, behind a
second factor), the API, logging out, downloads, or the customers' token links (opening one may
use it up). The demo holds hundreds of imported history records that read alike, so a crawl
opens at most CAP pages of one kind (a deal's page, a filter of a list): the first ones the
pages link to, which are the demo story's records (opening every page, about 2,500 for sales
ops, finds nothing more and takes a minute and a half); the audit trails are read for every
record."""

import json
import re
import zoneinfo
from collections import deque
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import translation
from lxml import html

from salesop.accounts import demo as accounts_demo
from salesop.accounts.models import User
from salesop.core.audit import audit_entries_for
from salesop.demo import load_demo
from tests.core.test_audit import SHOWN as TRAILS_SHOWN

pytestmark = pytest.mark.django_db

# One person per role, and Emily, the rep whose customers write English. (admin is sales ops
# with Django's admin, liuyang and northmgr the rep and manager of another team.)
PEOPLE = ["ops", "manager", "rep", "emily", "legal", "director", "finance", "pm", "csm", "trainer"]
# Pages of one kind a person's crawl opens; sales ops see every team's records and get more.
CAP, OPS_CAP = 2, 6

# Paths the crawl does not open (see the module's docstring).
_NOT_OPENED = re.compile(r"^/(admin|api|static|media|logout|language|support)/")
_DOWNLOAD = re.compile(r"/(export|download|docx|pdf|print|ics|file)s?(/|$)|\.(xlsx|csv|docx|pdf)$")

# Words that stay as they are in a Chinese page, as a Chinese sales team writes them.
ALLOWED = {
    "salesop",  # the product's name
    *("English", "EN"),  # the language switch names each language in itself
    # abbreviations and names Chinese teams use untranslated
    *("API", "BANT", "SOP", "ICP", "ROI", "AUC", "NPS", "CSAT", "SLA", "CRM", "ERP", "CEO"),
    *("CSV", "XLSX", "PDF", "Excel", "Word", "ICS", "GBK", "UTF-8", "YAML", "JSON", "WebVTT"),
    *("Webhook", "Slack", "TOTP", "SHA-256", "HMAC-SHA256", "docxtpl"),
    *("CNY", "USD", "EUR", "GBP", "HKD", "JPY", "SGD"),  # currency codes
    *("KB", "MB"),  # file sizes
}
# Identifiers the product makes: a playbook's or template's version (v2), a quote's number
# (Q1-R1), a ticket's (T000001), a digest, a file's extension; and US dollars as Babel writes
# them in Chinese (US$80,000.00).
_IDENTIFIER = re.compile(
    r"\bv\d+\b|\bQ\d+-R\d+\b|\bT\d{6}\b|\b[0-9a-f]{64}\b|\.(docx|xlsx|csv|pdf|vtt)\b"
    r"|\bUS\$(?=\d)"
)
_ZONES = zoneinfo.available_timezones()  # a time zone's name is its IANA name in any language

_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:[_.][a-z0-9]+)*_[a-z0-9]+\b|\b[a-z]+\.[a-z_]+\b")
_JSON = re.compile(r"[{}]|\[\]|\[\"")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9$'’-]+")  # one letter alone is a grade or an initial
_LINK = re.compile(r"\S+@\S+\.\w+|https?://\S+")
_COMMAND = re.compile(r"`[^`]+`")  # a command to type, quoted in a message: `salesop worker`


def _keylike(value: str) -> bool:
    return re.fullmatch(r"[a-z0-9_.:/-]+", value) is not None


def _strings(value) -> list[str]:
    """The text in a column's value (a JSON column's strings, keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _people_wrote() -> re.Pattern:
    """What the demo's people typed, in whichever language they typed it: the text of the
    product's free-text columns (longest first, so a name goes before its parts). A column
    whose every value is a key (lowercase words joined by _ . : / -) holds the product's keys,
    not text: a page shows their labels."""
    typed = set()
    for model in apps.get_models():
        if not model.__module__.startswith("salesop."):
            continue
        for field in model._meta.concrete_fields:
            if field.choices or not isinstance(
                field, models.CharField | models.TextField | models.JSONField
            ):
                continue
            column = {
                s for v in model.objects.values_list(field.name, flat=True) for s in _strings(v)
            }
            if all(_keylike(s) for s in column if s):
                continue
            for value in column:
                typed.update(" ".join(line.split()) for line in value.splitlines())
    typed = sorted((v for v in typed if re.search("[A-Za-z]", v)), key=len, reverse=True)
    return re.compile(
        r"(?<![A-Za-z0-9_-])(?:" + "|".join(map(re.escape, typed)) + ")(?![A-Za-z0-9_-])"
    )


@pytest.fixture(scope="module")
def people_wrote(django_db_setup, django_db_blocker):
    """The demo company, loaded once for the module (most of the time is this) inside a
    transaction rolled back at the end, with everyone reading Chinese from the start (what
    the demo writes for a person, such as their notifications, is in their language)."""
    chinese = [(*row[:4], "zh-hans", *row[5:]) for row in accounts_demo.USERS]
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setattr(accounts_demo, "USERS", chinese)
        with transaction.atomic():
            load_demo()
            yield _people_wrote()
            transaction.set_rollback(True)


def _links(url: str, tree) -> list[str]:
    found = list(tree.xpath("//a/@href"))
    for element in tree.xpath("//*[@hx-get]"):
        target = element.get("hx-get")
        if values := element.get("hx-vals"):
            target += ("&" if "?" in target else "?") + urlencode(json.loads(values))
        found.append(target)
    paths = []
    for href in found:
        parts = urlsplit(urljoin(url, href))
        if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
            continue
        if _NOT_OPENED.search(parts.path) or _DOWNLOAD.search(parts.path):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def _kind(path: str) -> str:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return path


def crawl(client: Client, cap: int):
    """(path, status, parsed page) of every page reachable from the home page, at most `cap`
    of one kind."""
    seen, opened = {"/"}, {}
    todo = deque(["/"])
    while todo:
        path = todo.popleft()
        response = client.get(path)
        tree = None
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            tree = html.fromstring(response.content)
        yield path, response.status_code, tree
        if tree is None:
            continue
        for link in _links(path, tree):
            kind = _kind(link)
            if link in seen or opened.get(kind, 0) >= cap:
                continue
            seen.add(link)
            opened[kind] = opened.get(kind, 0) + 1
            todo.append(link)


def visible_text(tree) -> list[str]:
    """What a reader sees: text, not attributes; not scripts, and not what they type or read
    as written (a form's text box, code to type, the playbook's YAML document)."""
    for hidden in tree.xpath("//script | //style | //template | //textarea | //code | //pre"):
        hidden.drop_tree()
    return [" ".join(t.split()) for t in tree.itertext() if t.strip()]


def offences(text: str, people_wrote: re.Pattern) -> list[str]:
    if text in _ZONES:
        return []
    rest = _IDENTIFIER.sub(" ", people_wrote.sub(" ", _COMMAND.sub(" ", _LINK.sub(" ", text))))
    found = [f"internal key {key!r}" for key in _KEY.findall(rest)]
    found += ["raw JSON"] if _JSON.search(rest) else []
    words = _WORD.findall(_KEY.sub(" ", rest))
    found += [f"English {word!r}" for word in words if word not in ALLOWED]
    return found


@pytest.mark.parametrize("username", PEOPLE)
def test_every_page_reads_in_chinese(people_wrote, username):
    # A server error is reported with the page's path, not raised: the crawl goes on.
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    failed, found = [], {}
    for path, status, tree in crawl(client, OPS_CAP if username == "ops" else CAP):
        if status not in (200, 302):
            failed.append(f"{path} answered {status}")
        for text in visible_text(tree) if tree is not None else []:
            for offence in offences(text, people_wrote):
                found.setdefault((offence, text), f"{path}: {offence} in {text[:100]!r}")
    assert not failed, "\n".join(failed)
    assert not found, "\n".join(sorted(found.values()))


def test_every_audit_trail_of_the_demo_reads_in_chinese(people_wrote):
    found = {}
    with translation.override("zh-hans"):
        for label in TRAILS_SHOWN:
            for record in apps.get_model(label).objects.all():
                for row in audit_entries_for(record):
                    texts = [str(row.action), *(t for change in row.changes for t in change)]
                    for text in (" ".join(t.split()) for t in texts):
                        for offence in offences(text, people_wrote):
                            where = f"{label} {record.pk}: {offence} in {text!r}"
                            found.setdefault((offence, text), where)
    assert not found, "\n".join(sorted(found.values()))
