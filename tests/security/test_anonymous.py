"""Someone not logged in, at every URL of the URL configuration (generated from the resolver,
so a new page is covered the day it is added), with every method a page takes: a page sends
them to the login with the page as `next`, the API answers 401 (its errors in the API's JSON
body), a public page gives its documented answer, and nothing answers 5xx."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from .urls import routes

pytestmark = pytest.mark.django_db

PAGE_METHODS = ("get", "post")
API_METHODS = ("get", "post", "put", "patch", "delete")
LOGIN = "login"  # to the login page, with the page asked for as `next`
ADMIN_LOGIN = "admin login"  # the same through the admin's login, which only redirects
SIGNED_OUT = "signed out"  # to the login page, without `next`

# Pages (and API paths) that answer someone not logged in with something of their own. A
# method not listed is one the page does not take (405).
PUBLIC = {
    "login": {"get": 200, "post": 200},  # the form; an empty one comes back with its errors
    "login_code": {"get": SIGNED_OUT, "post": SIGNED_OUT},  # no password step behind it
    "logout": {"post": SIGNED_OUT},
    "language_switch": {"post": 302},  # the login page switches language too
    "admin:login": {"get": 302, "post": 302},  # to the site's login: never the admin's own
    "admin:logout": {"get": 302, "post": 302},  # back to the admin, which sends to the login
    # a secret link: an unknown token is a 404 like any missing page
    "portal:survey": {"get": 404, "post": 404},
    "customer_recap": {"get": 404, "post": 404},
    "portal:calendar": {"get": 404, "post": 404},
    "portal:home": {"get": 404, "post": 404},
    "portal:ticket": {"get": 404, "post": 404},
    # the API's description (asked only with GET: it takes seconds to build)
    "api:openapi-json": {"get": 200},
    "api:openapi-view": {"get": 200},
    "api:intake_lead": {"post": 400},  # public; an empty body is not JSON
    "api:api-root": dict.fromkeys(API_METHODS, 404),  # no operation there
    # the worker's liveness for load balancers and monitors: 503 while no sweep is recent
    "health": {"get": (200, 503)},
}


def _urls():
    """(url, view name, methods) for every URL."""
    for url, _route, name, match in routes():
        if url.startswith("/api/"):
            name = match.view_name
            yield url, name, ("get",) if name.startswith("api:openapi") else API_METHODS
        else:
            yield url, name, PAGE_METHODS


def _to_login(response, url: str | None, login: str = settings.LOGIN_URL) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response["Location"])
    if location.path != resolve_url(login):
        return False
    return parse_qs(location.query).get("next") == ([url] if url else None)


def _wrong(url: str, name: str, method: str, response) -> str | None:
    status = response.status_code
    if url.startswith("/api/") and status >= 400:
        documented = response["Content-Type"].startswith("application/json") and set(
            response.json()
        ) == {"detail", "code", "errors"}
        if not documented:
            return f"{method.upper()} {url} ({name}): {status} without the API's error body"
    public = PUBLIC.get(name, {})
    if name in PUBLIC or name.startswith("api:"):
        expected = public.get(method, 405 if name in PUBLIC else (401, 405))
    else:
        expected = (ADMIN_LOGIN if name.startswith("admin:") else LOGIN, 405)
    options = expected if isinstance(expected, tuple) else (expected,)
    for option in options:
        if option == LOGIN and _to_login(response, url):
            return None
        if option == SIGNED_OUT and _to_login(response, None):
            return None
        if option == ADMIN_LOGIN and _to_login(response, url, "admin:login"):
            return None
        if option == status:
            return None
    where = f" to {response['Location']}" if status in (301, 302) else ""
    return f"{method.upper()} {url} ({name}): {status}{where}, not {' or '.join(map(str, options))}"


def test_every_url_sends_someone_not_logged_in_to_the_login_or_answers_as_documented():
    client = Client(raise_request_exception=False)
    wrong, answered = [], 0
    for url, name, methods in _urls():
        statuses = []
        for method in methods:
            response = getattr(client, method)(url)
            statuses.append(response.status_code)
            problem = _wrong(url, name, method, response)
            if problem:
                wrong.append(problem)
        if all(status == 405 for status in statuses):
            wrong.append(f"{url} ({name}): 405 to every method")
        answered += 1
    assert wrong == [], "\n".join(wrong)
    assert answered > 300


def test_the_public_pages_listed_are_still_in_the_url_configuration():
    names = {name for _url, name, _methods in _urls()}
    assert set(PUBLIC) <= names, set(PUBLIC) - names
