"""Security headers on every response with production settings (settings.py read again with
SALESOP_HTTPS on, as `salesop check --deploy` does): every page of the URL configuration,
the API, the login page, a static file and a 404 carry a Content-Security-Policy without
'unsafe-inline' and with frame-ancestors 'none', X-Content-Type-Options, Referrer-Policy and
Strict-Transport-Security; and no page the CSP guards holds what it would block (an inline
script, a style attribute, an event handler)."""

import re
import runpy
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

import salesop
from salesop.accounts.models import User
from salesop.monitor.liveness import sweep_recorded

from .test_access_matrix import _foreign_world, _page_patterns

pytestmark = pytest.mark.django_db

SECURITY = [
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY", "MIDDLEWARE",
    "SECURE_REDIRECT_EXEMPT",
]  # fmt: skip
# What a CSP without 'unsafe-inline' blocks, as it appears in a page.
BLOCKED = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)"),
    "a style element": re.compile(r"<style[\s>]"),
    "a style attribute": re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S),
    "an event handler": re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S),
    "a javascript: link": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """settings.py's security settings as production has them: HTTPS on, DEBUG off."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SALESOP_HTTPS", "true")
        env.setenv("SALESOP_DEBUG", "false")
        env.setenv("SALESOP_DATA_DIR", str(tmp_path_factory.mktemp("production")))
        values = runpy.run_path(str(Path(salesop.__file__).with_name("settings.py")))
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] >= 31_536_000
    return {name: values[name] for name in SECURITY}


@pytest.fixture
def served(production, demo_company):
    """A client for HTTPS requests under production settings, with a collected static file
    (WhiteNoise serves what is in STATIC_ROOT when the client starts)."""
    css = Path(settings.STATIC_ROOT) / "web" / "salesop.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(finders.find("web/salesop.css"), css)
    with override_settings(**production):
        yield Client()


def _wrong_headers(response, secure: bool = True) -> list[str]:
    wrong = []
    csp = response.get("Content-Security-Policy", "")
    if not csp:
        wrong.append("no Content-Security-Policy")
    elif "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        wrong.append(f"CSP allows inline code: {csp}")
    elif "frame-ancestors 'none'" not in csp:
        wrong.append(f"CSP lets other sites frame it: {csp}")
    if response.get("X-Content-Type-Options") != "nosniff":
        wrong.append("no X-Content-Type-Options: nosniff")
    if not response.get("Referrer-Policy"):
        wrong.append("no Referrer-Policy")
    hsts = response.get("Strict-Transport-Security", "")
    if secure and "max-age=31536000" not in hsts:
        wrong.append(f"Strict-Transport-Security: {hsts!r}")
    return wrong


def _blocked(response) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    html = response.content.decode()
    return [what for what, pattern in BLOCKED.items() if pattern.search(html)]


def _pages(ids: dict):
    """A URL for every page of the URL configuration: record ids from the demo, other
    parameters a value of their kind (a secret link's token is simply wrong: its 404 must
    carry the headers too)."""
    values = {"fmt": "csv", "kind": "deal", "measure": "recap", "number": "T000001"}
    for route, _name in _page_patterns():
        if route.startswith("^") or "(?P" in route or route.startswith("api/"):
            continue  # the admin's regular expressions; the API is asked below
        url = re.sub(
            r"<(?:(\w+):)?(\w+)>",
            lambda m: str(ids.get(m.group(2), values.get(m.group(2), "1"))),
            route,
        )
        yield "/" + url.replace("\\", "")


def test_every_page_carries_the_security_headers_and_nothing_the_csp_blocks(served):
    ids = _foreign_world(User.objects.get(username="emily")).ids
    served.force_login(User.objects.get(username="ops"))
    wrong, statuses = [], {}
    for url in sorted(set(_pages(ids))):
        response = served.get(url, secure=True)
        statuses[url] = response.status_code
        problems = _wrong_headers(response) + _blocked(response)
        if problems:
            wrong.append(f"{url} ({response.status_code}): {', '.join(problems)}")
    assert wrong == [], "\n".join(wrong)
    assert len(statuses) > 150
    assert sum(status == 200 for status in statuses.values()) > 60  # real pages, not only 404s


def test_the_api_login_static_files_and_404_carry_them_too(served):
    anonymous = {
        "/login/": 200,
        "/static/web/salesop.css": 200,
        "/no-such-page/": 404,
        "/api/v1/me": 401,
        "/api/v1/openapi.json": 200,
        "/api/v1/docs": 200,
    }
    for url, status in anonymous.items():
        response = served.get(url, secure=True)
        assert response.status_code == status, url
        assert _wrong_headers(response) + _blocked(response) == [], url
    served.force_login(User.objects.get(username="ops"))
    for url in ("/api/v1/me", "/api/v1/deals", "/api/v1/deals/0"):
        response = served.get(url, secure=True)
        assert _wrong_headers(response) == [], url


def test_plain_http_is_sent_to_https(served):
    response = served.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    assert response.get("X-Content-Type-Options") == "nosniff"
    assert "Strict-Transport-Security" not in response  # only over HTTPS, as browsers require


def test_health_answers_its_real_status_over_plain_http_and_to_any_host(production):
    """A load balancer probes each server by its address over plain HTTP: /health/ answers
    it (503, then 200 once the worker swept) instead of a redirect every probe reads as
    healthy, or a 400 for a Host that is not the site's name. Everything else still
    redirects and still refuses a foreign Host."""
    probe, site = Client(HTTP_HOST="10.0.0.5:8000"), Client(HTTP_HOST="crm.example.com")
    with override_settings(**production, ALLOWED_HOSTS=["crm.example.com"]):
        down = probe.get("/health/")
        assert down.status_code == 503, down
        assert down.json()["status"] == "unavailable"
        sweep_recorded()
        for client in (probe, site, Client(HTTP_HOST="localhost")):
            up = client.get("/health/")
            assert up.status_code == 200 and up.json()["status"] == "ok"
            assert up.get("X-Content-Type-Options") == "nosniff" and not up.cookies
            assert "'unsafe-inline'" not in up["Content-Security-Policy"]
        assert probe.head("/health/").status_code == 200
        assert probe.post("/health/").status_code == 405
        assert probe.get("/health/", secure=True).status_code == 200
        # The rest is as strict as before.
        assert site.get("/health").status_code == 301  # not the probe's path: to HTTPS
        assert site.get("/login/").status_code == 301
        assert probe.get("/login/", secure=True).status_code == 400
        assert probe.get("/health/x", secure=True).status_code == 400
