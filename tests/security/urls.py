"""Every URL of the URL configuration, generated from the resolver for the tests that walk
them all (someone not logged in; hostile query parameters): each route once, its parameters
filled with given ids or a dummy value of their converter."""

import re

from django.urls import resolve

from .test_access_matrix import _page_patterns

# A path parameter's value by converter: a record id nobody has, a word for the rest.
DUMMY = {"int": "999999", "str": "x", "path": "x", "slug": "x"}


def url_for(route: str, ids: dict | None = None) -> str:
    """The route with each parameter filled: its value in `ids`, else a dummy value of its
    converter, or for the admin's regular expressions the first choice they allow."""
    ids = ids or {}

    def group(match):
        choices = match.group(2)
        return choices.split("|")[0] if re.fullmatch(r"[\w|]+", choices) else DUMMY["int"]

    def parameter(match):
        converter, name = match.group(1), match.group(2)
        if name in ids:
            return str(ids[name])
        # The API's parameters have no converter: an id is still an id.
        return DUMMY[converter or ("int" if name.endswith("_id") else "str")]

    url = re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, route)
    url = re.sub(r"<(?:(\w+):)?(\w+)>", parameter, url)
    return "/" + re.sub(r"[\^$\\]", "", url)


def routes(ids: dict | None = None):
    """(url, route, URL name, resolver match) for every URL but static and media files,
    each URL once (the API names one view per operation, several on one path)."""
    seen = set()
    for route, name in _page_patterns():
        if route.startswith(("static/", "media/")):
            continue
        url = url_for(route, ids)
        if url in seen:
            continue
        seen.add(url)
        match = resolve(url)
        same = match.route.replace("^", "") == route.replace("^", "")
        assert same, f"{url} reaches {match.route}, not {route}"
        yield url, route, name, match
