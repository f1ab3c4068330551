"""Load: simulated people using salesop at once through gunicorn on loopback, for a bounded
time, with locust run as a library (no web UI). A nightly benchmark, not part of CI: it needs
the optional `load` extra (`pip install -e '.[load]'`).

    python -m bench.load --db sqlite --minutes 1                # reuses bench.generate's data set
    python -m bench.load --db postgres --users 50 --minutes 5 --scale small
    python -m bench.load --db sqlite --minutes 1 --fresh --no-record

Who: the data set's managers mgr<t> (one per team, all 8) and reps rep<t>_<n> (the rest of the
users, each a different rep), every one signed in with a session of their own (and a personal
API token for what they do through the API), waiting 1 to 4 s between actions as a person
clicking through would. Reps only touch their own records: they browse their lead and deal lists
(pages and API), open leads and deals, log calls on leads (the page's htmx panel) and on deals
(API), tick checklist items and move deals: each move first asks the gate (`GET .../gate`), then
moves; a move whose gate passed must answer 200, one whose gate did not must answer 422 with
code `gate_refused` (the product's documented refusal). Before the run, two discovery deals of
each rep get their discovery gate met, so some moves succeed. Managers open the home page, the
pipeline board, the insights dashboard, compliance and channel reports (pages), the funnel over
the API, alerts and the team's lead list.

Anything else is an error: any status other than the one expected, a timeout or a dropped
connection. The run fails (exit 1) unless there are none. Expected refusals are counted apart,
in rows of their own named "... (gate refused: 422 expected)". Per-endpoint p50, p95 and
counts go to RESULTS.md as "Load: N users (db)". A run adds activities, ticks and stage moves
to the data set; `--fresh` regenerates it."""

import argparse
import json
import os
import random
import re
import secrets
import time
from collections import Counter

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

from bench.common import ROOT, record
from bench.generate import SCALES, TEAMS, load
from bench.run import WORKERS, free_port, serve

MANAGERS = TEAMS
THINK = (1, 4)  # seconds between one action and the next
SPAWN_RATE = 10  # users started per second
TIMEOUT = 60  # seconds a request may take before it counts as an error
# Everyone starts and the workers load their code and caches before the figures count; errors
# during the warm-up still fail the run.
WARMUP = 20
CSRF = re.compile(r"hx-headers='\{\"X-CSRFToken\": \"(\w+)\"\}'")

# Filled by prepare(): who is free to be simulated, with what they own.
REPS: list[dict] = []
MANAGER_IDS: list[dict] = []
LAST_MONTH = ""


def _why(response) -> str:
    if not response.status_code:  # no answer: the connection failed or timed out
        return f"no response: {response.error!r}"[:300]
    return f"{response.status_code}: {response.text[:200]}"


class Person(HttpUser):
    abstract = True
    wait_time = between(*THINK)
    pool: list[dict] = []

    def on_start(self):
        self.me = self.pool.pop()
        self.client.cookies.set("sessionid", self.me["session"])
        # One connection a request, as a reverse proxy in front of gunicorn talks to it (nginx's
        # default): a kept-alive connection that gunicorn's 2 s keep-alive closes just as the
        # next request is sent is reset, which a browser retries but this client would not.
        self.client.headers["Connection"] = "close"
        self.api = {"Authorization": f"Bearer {self.me['token']}", "Accept": "application/json"}
        self.csrf = ""

    def page(self, path: str, name: str, **kwargs):
        """A full page, as a browser asks for it; keeps its CSRF token for later posts."""
        with self.client.get(path, name=name, timeout=TIMEOUT, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return None
            found = CSRF.search(r.text)
            if found:
                self.csrf = found.group(1)
            return r

    def get_api(self, path: str, name: str):
        with self.client.get(
            path, name=name, headers=self.api, timeout=TIMEOUT, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return None
            return r.json()

    def post_api(self, path: str, name: str, body: dict, expect: int, code: str = ""):
        """POSTs JSON; anything but `expect` (and, for a refusal, its `code`) is an error."""
        with self.client.post(
            path, name=name, json=body, headers=self.api, timeout=TIMEOUT, catch_response=True
        ) as r:
            if r.status_code != expect:
                r.failure(f"expected {expect}: {_why(r)}")
                return None
            data = r.json()
            if code and data.get("code") != code:
                r.failure(f"{expect} with code {data.get('code')!r}, expected {code!r}")
                return None
            r.success()  # a refusal the product intends is an answer, not an error
            return data


class Rep(Person):
    pool = REPS

    @task(4)
    def lead_list_page(self):
        status = random.choice(("", "new", "contacted", "nurturing"))
        self.page(f"/leads/?owner={self.me['id']}&status={status}", "page /leads/?owner&status")

    @task(2)
    def lead_list_api(self):
        self.get_api(f"/api/v1/leads?owner_id={self.me['id']}", "api GET /leads?owner_id")

    @task(4)
    def lead_page(self):
        self.page(f"/leads/{random.choice(self.me['leads'])}/", "page /leads/<id>/")

    @task(1)
    def lead_api(self):
        self.get_api(f"/api/v1/leads/{random.choice(self.me['leads'])}", "api GET /leads/<id>")

    @task(2)
    def deal_list_page(self):
        self.page("/deals/", "page /deals/")

    @task(1)
    def deal_list_api(self):
        self.get_api(
            f"/api/v1/deals?owner_id={self.me['id']}&status=open", "api GET /deals?owner_id"
        )

    @task(3)
    def deal_page(self):
        deal = random.choice(self.me["deals"])
        self.page(f"/deals/{deal}/", "page /deals/<id>/")
        self.get_api(f"/api/v1/deals/{deal}", "api GET /deals/<id>")

    @task(2)
    def log_call_on_lead(self):
        """The lead page's activity panel, as htmx posts it."""
        lead = random.choice(self.me["open_leads"] or self.me["leads"])
        if not self.page(f"/leads/{lead}/", "page /leads/<id>/"):
            return
        form = {
            "kind": "call",
            "subject": "电话跟进 Follow-up call",
            "outcome": random.choice(("positive", "neutral", "no_response")),
            "duration_minutes": str(random.randint(1, 30)),
            "notes": "",
        }
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        with self.client.post(
            f"/activities/lead/{lead}/log/",
            data=form,
            headers=headers,
            name="page POST /activities/lead/<id>/log/ (htmx)",
            timeout=TIMEOUT,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(_why(r))

    @task(2)
    def log_activity_on_deal(self):
        self.post_api(
            f"/api/v1/deals/{random.choice(self.me['deals'])}/activities",
            "api POST /deals/<id>/activities",
            {
                "kind": random.choice(("call", "email", "meeting", "message")),
                "subject": "客户沟通 Customer contact",
                "outcome": random.choice(("positive", "neutral", "negative", "no_response")),
                "duration_minutes": random.randint(5, 60),
            },
            201,
        )

    @task(3)
    def work_a_deal(self):
        """Open a deal, tick one item of its stage's checklist, ask the gate of the next stage,
        then move: 200 when the gate said yes, the documented 422 when it said no."""
        deal_id = random.choice(self.me["deals"])
        deal = self.get_api(f"/api/v1/deals/{deal_id}", "api GET /deals/<id>")
        if not deal or deal["status"] != "open" or not deal["next_stages"]:
            return
        unticked = [  # what a rep ticks: an item its evidence ticks answers 422 by design
            c
            for c in deal["checklist"]
            if c["stage"] == deal["stage"] and not c["done"] and not c["evidence"]
        ]
        if unticked:
            item = random.choice(unticked)
            self.post_api(
                f"/api/v1/deals/{deal_id}/checklist",
                "api POST /deals/<id>/checklist",
                {"stage": item["stage"], "item": item["item"]},
                200,
            )
        to_stage = deal["next_stages"][0]
        gate = self.get_api(
            f"/api/v1/deals/{deal_id}/gate?to_stage={to_stage}", "api GET /deals/<id>/gate"
        )
        if gate is None:
            return
        if gate["allowed"]:
            self.post_api(
                f"/api/v1/deals/{deal_id}/move",
                "api POST /deals/<id>/move (gate passed: 200)",
                {"to_stage": to_stage},
                200,
            )
        else:
            self.post_api(
                f"/api/v1/deals/{deal_id}/move",
                "api POST /deals/<id>/move (gate refused: 422 expected)",
                {"to_stage": to_stage},
                422,
                code="gate_refused",
            )

    @task(1)
    def my_work(self):
        self.page("/", "page / (home)")
        self.get_api("/api/v1/tasks/my-work", "api GET /tasks/my-work")


class Manager(Person):
    pool = MANAGER_IDS
    fixed_count = MANAGERS

    @task(3)
    def board(self):
        self.page("/deals/board/", "page /deals/board/")

    @task(1)
    def home(self):
        self.page("/", "page / (home)")

    @task(2)
    def dashboard(self):
        self.page("/insights/", "page /insights/ (dashboard)")

    @task(1)
    def compliance(self):
        self.page("/insights/compliance/", "page /insights/compliance/")

    @task(1)
    def channels(self):
        self.page("/insights/channels/", "page /insights/channels/")

    @task(1)
    def funnel_api(self):
        self.get_api(f"/api/v1/insights/funnel?month={LAST_MONTH}", "api GET /insights/funnel")

    @task(1)
    def alerts(self):
        self.page("/alerts/", "page /alerts/")

    @task(1)
    def team_leads(self):
        self.page("/leads/", "page /leads/")


def prepare(users: int) -> dict:
    """Sessions and tokens for the people simulated, what each rep owns, and two discovery deals
    per rep whose discovery gate is met (so some moves can succeed)."""
    from django.test import Client
    from django.utils import timezone

    from salesop.accounts.models import ApiToken, Role, User
    from salesop.accounts.services import api_token_create
    from salesop.core.testing import tick_stage
    from salesop.deals.models import Deal
    from salesop.insights import aggregates
    from salesop.insights.rules import month_period
    from salesop.leads.models import Lead

    global LAST_MONTH
    ApiToken.objects.filter(name="load").delete()  # what an earlier run left
    reps_wanted = users - MANAGERS
    managers = list(User.objects.filter(username__startswith="mgr").order_by("username"))
    reps = list(User.objects.filter(username__startswith="rep").order_by("pk")[:reps_wanted])
    assert len(managers) == MANAGERS and len(reps) == reps_wanted, "not enough people"
    assert all(Role.REP in rep.roles for rep in reps), "reps without the rep role: use --fresh"
    met = 0
    for user in managers + reps:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        person = {
            "id": user.pk,
            "username": user.username,
            "session": client.cookies["sessionid"].value,
            "token": api_token_create(user=user, name="load")[1],
        }
        if user in managers:
            MANAGER_IDS.append(person)
            continue
        leads = Lead.objects.filter(owner=user).order_by("-created_at")
        person["leads"] = list(leads.values_list("pk", flat=True)[:200])
        person["open_leads"] = list(
            leads.filter(status__in=("new", "contacted", "nurturing")).values_list("pk", flat=True)[
                :100
            ]
        )
        deals = Deal.objects.filter(owner=user, status="open").order_by("-updated_at")
        ready = []
        for deal in deals.filter(stage="discovery")[:2]:
            tick_stage(deal, user)
            ready.append(deal.pk)
        rest = deals.exclude(pk__in=ready).values_list("pk", flat=True)[: 100 - len(ready)]
        person["deals"] = ready + list(rest)
        assert person["leads"] and person["deals"], f"{user} owns nothing to work on"
        met += len(ready)
        REPS.append(person)
    random.shuffle(REPS)
    today = timezone.localdate()
    LAST_MONTH = f"{month_period(today.year, today.month).previous().start:%Y-%m}"
    aggregates.refresh_recent()
    return {"gates_met": met}


def run(db: str, scale: str, users: int, minutes: float, save: bool, fresh: bool) -> int:
    os.environ.setdefault("SALESOP_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["SALESOP_HTTPS"] = "0"  # loopback; TLS ends at the load balancer
    made = load(db, scale, fresh=fresh)
    print("data:", json.dumps(made), flush=True)
    from django.core.management import call_command

    from salesop.activities.models import Activity
    from salesop.deals.models import StageEvent

    prepared = prepare(users)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `salesop serve` does
    last_activity = Activity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_event = StageEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    load_before = os.getloadavg()[0]
    port = free_port()
    log = ROOT / ".data" / f"load-gunicorn-{db}.log"
    server = serve(os.environ.copy(), port, stderr=log)
    env = Environment(user_classes=[Rep, Manager], events=events, host=f"http://127.0.0.1:{port}")
    errors: Counter = Counter()

    @events.request.add_listener
    def on_request(request_type, name, exception=None, **_kwargs):
        if exception:
            errors[f"{request_type} {name}: {str(exception)[:160]}"] += 1

    began = time.monotonic()

    def measure_from_now():
        nonlocal began
        warmup_errors.update(errors)
        runner.stats.reset_all()
        began = time.monotonic()
        print("warm-up over: measuring", flush=True)

    warmup_errors: Counter = Counter()
    try:
        runner = env.create_local_runner()
        runner.start(users, spawn_rate=SPAWN_RATE)
        gevent.spawn_later(WARMUP, measure_from_now)
        gevent.spawn_later(WARMUP + minutes * 60, runner.quit)
        runner.greenlet.join()
        seconds = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(30)
    events.request.remove_listener(on_request)

    stats = env.stats
    rows = []
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        if not entry.num_requests:
            continue
        rows.append(
            (
                entry.name,
                f"{entry.num_requests:,}",
                f"{entry.get_response_time_percentile(0.5):,.0f} ms",
                f"{entry.get_response_time_percentile(0.95):,.0f} ms",
                f"{entry.num_failures:,}",
            )
        )
        print(rows[-1], flush=True)
    total = stats.total
    refused = sum(e.num_requests for e in stats.entries.values() if "422 expected" in e.name)
    moved = StageEvent.objects.filter(pk__gt=last_event).count()
    logged = Activity.objects.filter(pk__gt=last_activity).count()
    rows.append(
        (
            "**all requests**",
            f"{total.num_requests:,}",
            f"{total.get_response_time_percentile(0.5):,.0f} ms",
            f"{total.get_response_time_percentile(0.95):,.0f} ms",
            f"{total.num_failures:,}",
        )
    )
    early = sum(warmup_errors.values())
    summary = (
        f"{total.num_requests:,} requests in {seconds:,.0f} s ({total.num_requests / seconds:,.1f}"
        f"/s), {total.num_failures:,} errors ({100 * total.fail_ratio:.2f}%) and {early} during "
        f"the {WARMUP} s warm-up, {refused:,} expected gate refusals (422); {moved:,} stage "
        f"moves and {logged:,} activities written in all"
    )
    print(summary, flush=True)
    for what, count in errors.most_common(10):
        print(f"  error x{count}: {what}", flush=True)
    if save:
        record(
            f"Load: {users} users ({db})",
            rows,
            ("endpoint", "requests", "p50", "p95", "errors"),
            f"`python -m bench.load --db {db} --users {users} --minutes {minutes:g} --scale "
            f"{scale}`: {users - MANAGERS} reps and {MANAGERS} managers of the {scale} data set "
            f"({made['lead']:,} leads, {made['deal']:,} deals) for {minutes:g} min through "
            f"gunicorn ({WORKERS} gthread workers of 4 threads) on loopback, locust {_locust()} "
            f"on the same 2 cores, {THINK[0]}-{THINK[1]} s between a person's actions, started "
            f"{SPAWN_RATE} a second, measured after a {WARMUP} s warm-up. {summary}. Errors "
            "are any status but the one expected, timeouts and dropped connections; a move "
            "whose gate said no must answer 422 with code gate_refused and is counted in its "
            "own row, not as an error. Before the run "
            f"{prepared['gates_met']} discovery deals (two per rep) had their discovery gate met, "
            "so moves that the gate lets through are measured too. p50 and p95 are locust's "
            "(rounded to two significant figures above 100 ms). The machine is shared: load "
            f"average {load_before:.1f} before the run and {os.getloadavg()[0]:.1f} after it.",
        )
    return 0 if total.num_failures == 0 and not early else 1


def _locust() -> str:
    import locust

    return locust.__version__


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--fresh", action="store_true", help="generate the data set anew")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    if args.users <= MANAGERS:
        parser.error(f"--users must be more than the {MANAGERS} managers")
    status = run(args.db, args.scale, args.users, args.minutes, not args.no_record, args.fresh)
    raise SystemExit(status)


if __name__ == "__main__":
    main()
