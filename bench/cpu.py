"""CPU per request, in process: the pages people open most (deal page, lead list, board,
company page, home), rendered through the real views on the demo's records, timed by the
process's CPU clock (not the wall clock: a busy machine does not inflate it), with the
queries each runs and where the time goes (cProfile, grouped: templates, ORM, the rest).

    python -m bench.cpu                       # SQLite (the database's CPU counts too)
    python -m bench.cpu --db postgres         # PostgreSQL (the server's CPU does not)
    python -m bench.cpu --repeats 5 --no-record   # the quick run CI does
"""

import argparse
import cProfile
import pstats
import statistics
import time

from bench.common import record, setup

TARGETS = {"deal": 10.0, "leads": 8.0, "board": 25.0}

# Where a function's own time is counted, by the file it is in (first match wins).
GROUPS = (
    ("templates", ("django/template/", "django/forms/", "/templatetags/")),
    ("ORM and database", ("django/db/", "sqlite3", "psycopg")),
    ("i18n", ("django/utils/translation", "gettext")),
)


NOTES = """In process through Django's test client on the demo's records (`salesop demo`),
after three warm-up requests; CPU time of this process, so on SQLite it includes the
database's work and on PostgreSQL only the client's. A timeline is its own request: its card
loads it when scrolled into view.

Before issue 24's work (commit 0673c87, same data and machine), medians: deal page 48.6 ms
SQLite / 63.4 ms PostgreSQL (36 queries, its timeline included; templates 26%, of which form
widgets through their templates ~60%), lead list 15.8 / 17.7 ms, board 11.2 / 12.2 ms, company
page 50.6 / 60.7 ms (46 queries, timeline included), home 10.0 / 11.4 ms. Done since: widgets
drawn in Python (salesop.core.widgets, equal output proved by tests/core/test_widgets.py); the
timeline, the history card and (once a deal has quotes) the new quote form load when reached
or opened; the deal's contract and checklist ticks read once for all gates; the lead list
reads only the columns its rows show; the running playbook is read without its text.
Read with its timeline (a reader who scrolls to it), the deal page costs ~35 ms against 48.6
before, and the company page ~53 ms against 50.6: its timeline moved to a request of its own
and got no cheaper (most of its time is the queries of each kind of event). Still over
target: the deal page and the lead list. The floor is the base page itself (a
signed-in page with no content, the API tokens page: ~4 ms of middleware, session, user and
the navigation through the template engine); above it, the lead list's 50 rows cost ~5 ms in
Django's template engine and the deal page's cards ~9 ms (the activity panel 3, the decision
chain 2, the forms 2), against ~6 ms for its 16 reads. Django templates are the stack's choice
(DESIGN.md) and makemessages reads them; the next lever is the Jinja2 backend for the row
partials and the deal page's cards, or loading the decision chain when scrolled to as the
timeline is. Pages whose CPU was cut also answer more per second under load ("Throughput",
"Load")."""


def _group(filename: str) -> str:
    for name, parts in GROUPS:
        if any(part in filename for part in parts):
            return name
    return "other"


# Wrappers whose cumulative time is the whole request's.
WRAPPERS = ("__call__", "inner", "_wrapper", "_view_wrapper", "wrapper", "wrapped_view")


def profile(get, repeats: int) -> str:
    """The share of own time per group and the costliest of our functions (cumulative,
    wrappers and middleware aside)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        get()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values()) or 1  # own time
    shares: dict[str, float] = {}
    for (filename, _line, _name), row in stats.stats.items():
        shares[_group(filename)] = shares.get(_group(filename), 0) + row[2]
    ours = sorted(
        (
            (row[3], f"{name} ({filename.rsplit('/salesop/', 1)[-1]})")
            for (filename, _line, name), row in stats.stats.items()
            if "/salesop/" in filename and name not in WRAPPERS and "middleware" not in filename
        ),
        reverse=True,
    )
    groups = ", ".join(
        f"{name} {share / total:.0%}"
        for name, share in sorted(shares.items(), key=lambda kv: -kv[1])
    )
    top = "; ".join(f"{what} {cum / repeats * 1000:.1f} ms" for cum, what in ours[:5])
    return f"{groups}. Costliest of ours: {top}"


def cpu_ms(get, repeats: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        get()
        samples.append((time.process_time() - start) * 1000)
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * len(ordered)))]


def pages():
    """(label, user, url, target key) on the demo's records: its richest open deal."""
    from django.db.models import Count

    from salesop.accounts.models import User
    from salesop.deals.models import Deal

    deal = (
        Deal.objects.filter(status="open")
        .annotate(n=Count("quotes", distinct=True) + Count("activities", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    rep = deal.owner
    manager = User.objects.get(username="manager")
    return [
        (f"deal page ({deal.name})", rep, f"/deals/{deal.pk}/", "deal"),
        ("its timeline, loaded when scrolled to", rep, f"/activities/deal/{deal.pk}/timeline/", ""),
        ("lead list page (the manager's team)", manager, "/leads/", "leads"),
        ("pipeline board (the manager's team)", manager, "/deals/board/", "board"),
        (f"company page ({deal.account.name})", rep, f"/customers/{deal.account_id}/", ""),
        (
            "its timeline, loaded when scrolled to",
            rep,
            f"/activities/account/{deal.account_id}/timeline/",
            "",
        ),
        ("home (rep)", rep, "/", ""),
    ]


def run(db: str, repeats: int, write: bool) -> None:
    setup(db, "salesop_bench_cpu")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from salesop.demo import load_demo

    call_command("collectstatic", interactive=False, verbosity=0)  # pages link hashed assets
    load_demo()
    rows = []
    for label, user, url, target in pages():
        client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)

        def get(client=client, url=url):
            fragment = {"HTTP_HX_REQUEST": "true"} if "/timeline/" in url else {}
            response = client.get(url, secure=True, **fragment)
            assert response.status_code == 200, (url, response.status_code)
            return response

        for _ in range(3):
            get()  # warm: templates compiled, playbook parsed, caches filled
        queries = []
        with connection.execute_wrapper(
            lambda run, sql, *args, q=queries: q.append(sql) or run(sql, *args)
        ):
            get()
        median, p95 = cpu_ms(get, repeats)
        goal = f"≤ {TARGETS[target]:.0f} ms" if target else "-"
        rows.append(
            (
                label,
                goal,
                f"median {median:.1f} ms, p95 {p95:.1f} ms",
                str(len(queries)),
                profile(get, max(3, repeats // 3)),
            )
        )
        print(" | ".join(rows[-1]), flush=True)
    if write:
        record(
            f"CPU per request ({db})",
            rows,
            ("page", "target", "CPU per request", "queries", "where the time goes"),
            notes=NOTES,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    run(args.db, args.repeats, not args.no_record)


if __name__ == "__main__":
    main()
