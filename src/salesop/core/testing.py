"""Shared test personas and builders: a rep, a teammate, their manager, an outsider from
another team with its own manager, legal, sales ops, finance and the sales director. Used by
the tests and benchmarks."""

import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesop.accounts.models import Role, Team, User
from salesop.accounts.selectors import totp_device_of
from salesop.accounts.services import team_create, user_create
from salesop.core.time import company_today
from salesop.customers.models import Account
from salesop.customers.rules import normalize_company
from salesop.playbook.services import playbook_install_default

PASSWORD = "correct-horse-battery-staple"  # noqa: S105  (test personas only)  # nosec B105


@dataclass
class Org:
    sales: Team
    east: Team
    shanghai: Team
    north: Team
    rep: User
    teammate: User
    manager: User
    outsider: User
    other_manager: User
    legal: User
    ops: User
    finance: User
    director: User


def make_user(
    username: str, *, team: Team | None = None, roles: tuple[str, ...] = (Role.REP,), **extra
) -> User:
    # CI runs the suite once with every person in another time zone than the company's: what
    # the company's calendar decides (a report's month, a due date, a contract number's year)
    # must not move with the zone a user reads it in.
    user = user_create(username=username, password=PASSWORD, team=team, roles=roles, **extra)
    if zone := os.environ.get("SALESOP_TEST_USER_ZONE"):
        in_zone(zone, user)
    return user


def in_zone(zone: str, *users: User) -> None:
    """Sets the users' own time zone ("" for the company's), for tests about what a user sees in
    their zone whatever SALESOP_TEST_USER_ZONE gave the personas."""
    for user in users:
        user.timezone = zone
        user.save(update_fields=["timezone"])


def make_org() -> Org:
    playbook_install_default()  # transactional tests flush the migration's default
    sales = team_create(name="Sales")
    east = team_create(name="East China", parent=sales)
    shanghai = team_create(name="Shanghai 1", parent=east)
    north = team_create(name="North China", parent=sales)
    return Org(
        sales=sales,
        east=east,
        shanghai=shanghai,
        north=north,
        rep=make_user("rep", team=shanghai, full_name="张伟"),
        teammate=make_user("teammate", team=shanghai, full_name="Emily Chen"),
        manager=make_user("manager", team=east, roles=(Role.MANAGER,), full_name="李强"),
        outsider=make_user("outsider", team=north, full_name="刘洋"),
        other_manager=make_user("northmgr", team=north, roles=(Role.MANAGER,)),
        legal=make_user("legal", team=sales, roles=(Role.LEGAL,)),
        ops=make_user("ops", team=sales, roles=(Role.OPS,)),
        finance=make_user("finance", team=sales, roles=(Role.FINANCE,), full_name="赵敏"),
        director=make_user("director", team=sales, roles=(Role.DIRECTOR,), full_name="陈静"),
    )


def totp_enrol(user: User) -> TOTPDevice:
    """A confirmed authenticator app for `user`, as if they had set it up on their profile."""
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the user's app shows, computed by django-otp: the current one, or the next
    step's when the current one was already used (the device accepts one step ahead)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    ahead = max(0, device.last_t + 1 - totp.t())
    if ahead > device.tolerance:
        raise RuntimeError("every code the device would accept now was used; wait a step")
    totp.time += ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def admin_login(client, user: User) -> TOTPDevice:
    """Logs `user` in on a test client the way sales ops reach the admin: an authenticator app
    set up (once) and its code entered at the code step."""
    device = totp_device_of(user) or totp_enrol(user)
    client.force_login(user)
    response = client.post(reverse("login_code"), {"code": totp_code(device)})
    if response.status_code != 302:
        raise RuntimeError(f"the code step refused the code: {response.status_code}")
    return device


def make_account(owner: User, name: str = "上海云仓物流有限公司", **fields) -> Account:
    fields.setdefault("normalized_name", normalize_company(name))
    return Account.objects.create(owner=owner, team=owner.team, name=name, **fields)


def make_deal(owner: User, account: Account | None = None, name: str = "仓储系统升级", **fields):
    from decimal import Decimal

    from salesop.deals.services import deal_create

    account = account or make_account(owner)
    fields.setdefault("amount", Decimal("480000.00"))
    return deal_create(by=owner, account=account, name=name, **fields)


def tick_stage(deal, by: User, stage: str | None = None, *, meet_criteria: bool = True) -> None:
    """Ticks every checklist item of a stage (default: the deal's current stage) and, unless told
    not to, does what its discovery, decision-chain and quote criteria ask, as a rep would."""
    from salesop.deals.selectors import playbook_of
    from salesop.deals.services import checklist_tick

    spec = playbook_of(deal).stage(stage or deal.stage)
    for item in spec.checklist:
        if not item.evidence:
            checklist_tick(deal=deal, by=by, stage=spec.key, item=item.key)
        elif item.evidence not in spec.exit_criteria:  # those follow meet_criteria
            EVIDENCE_STEPS[item.evidence](deal, by)
    if meet_criteria:
        for name in spec.exit_criteria:
            if name in CRITERION_STEPS:
                CRITERION_STEPS[name](deal, by)


def recap_written(deal, by: User) -> None:
    from salesop.deals.discovery import services as discovery

    if not deal.needs.exists():
        discovery.need_add(
            deal=deal,
            by=by,
            kind="hidden_pain",
            summary="旺季发货出错",
            customer_words="一到双十一就乱",
        )
    discovery.recap_generate(deal=deal, by=by)


def confirm_recap(deal, by: User) -> None:
    """The recap written from the needs and marked confirmed by the rep."""
    from salesop.deals.discovery import services as discovery

    recap_written(deal, by)
    discovery.recap_confirm(deal=deal, by=by, note="客户在会上确认")


def customer_confirms_recap(deal, by: User) -> None:
    """The recap written from the needs, sent to a contact and confirmed through its link."""
    from salesop.customers.models import Contact
    from salesop.deals.discovery import services as discovery

    recap_written(deal, by)
    contact = deal.account.contacts.first() or Contact.objects.create(
        account=deal.account, name="周总", email="zhou@example.cn"
    )
    _link, token = discovery.recap_send(deal=deal, by=by, contact=contact)
    discovery.recap_answer(token=token, confirmed=True, words="没错")


def engage(deal, by: User, role: str) -> None:
    from salesop.deals.discovery import services as discovery

    person = deal.stakeholders.filter(role=role).first() or discovery.stakeholder_add(
        deal=deal, by=by, role=role, new_contact_name=f"{role} 联系人"
    )
    discovery.stakeholder_engaged(stakeholder=person, by=by)


def approved_quote(deal, by: User) -> None:
    from salesop.pricing.services import quote_create, quote_submit

    quote = quote_create(
        deal=deal, by=by, lines=[{"description": "WMS 许可", "list_price": "100000"}]
    )
    quote_submit(quote=quote, by=by)


def delivered_proposal(deal, by: User) -> None:
    from salesop.deals.proposals.services import (
        RowInput,
        proposal_create,
        proposal_present,
        value_rows_add,
    )

    proposal = proposal_create(deal=deal, by=by, title="智能仓储方案")
    value_rows_add(
        proposal=proposal,
        by=by,
        rows=[RowInput(pain="旺季错发", solution="扫码复核", value="差错率下降 80%")],
    )
    proposal_present(proposal=proposal, by=by, duration_minutes=60)


def resolve_objections(deal, by: User) -> None:
    from salesop.deals.objections import objection_resolve

    for objection in deal.objections.filter(resolved=False):
        objection_resolve(objection=objection, by=by, answer_used="先试点后推广")


SIGNED_PDF = b"%PDF-1.4\n% signed scan\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def make_template(by: User, code: str = "standard", name: str = "标准销售合同"):
    from salesop.contracts.starter import CLAUSES_ZH, as_dicts
    from salesop.contracts.template_versions import template_save

    return template_save(by=by, code=code, name=name, clauses=as_dicts(CLAUSES_ZH))


def cleared_contract(deal, by: User):
    """The deal's contract in its standard wording, cleared (no deviation skips review); made
    from the current quote, which is approved first if need be."""
    from salesop.contracts.legal_review import contract_submit
    from salesop.contracts.models import ContractTemplate
    from salesop.contracts.selectors import current_contract
    from salesop.contracts.services import contract_create
    from salesop.pricing.models import QuoteStatus
    from salesop.pricing.selectors import current_quote

    contract = current_contract(deal)
    if contract is not None and contract.cleared:
        return contract
    quote = current_quote(deal)
    if quote is None or quote.status != QuoteStatus.APPROVED:
        approved_quote(deal, by)
        quote = current_quote(deal)
    template = ContractTemplate.objects.filter(current=True).first()
    if template is None:
        from salesop.accounts.models import Role

        ops = User.objects.filter(role_grants__role=Role.OPS).first() or by
        template = make_template(ops)
    contract = contract_create(deal=deal, quote=quote, template=template, by=by)
    return contract_submit(contract=contract, by=by)


def sign_contract(deal, by: User):
    """Clears, prepares, sends and signs the deal's contract: the deal is won through its
    gate (tick the contracting checklist first)."""
    from datetime import timedelta

    from salesop.contracts.signing import (
        contract_schedule,
        contract_send,
        contract_sign,
        document_tick,
    )
    from salesop.deals.selectors import playbook_of

    contract = cleared_contract(deal, by)
    contract_schedule(
        contract=contract, by=by, target_signing_date=company_today() + timedelta(days=7)
    )
    for document in playbook_of(deal).contracts.documents:
        document_tick(contract=contract, by=by, key=document.key)
    contract_send(contract=contract, by=by)
    return contract_sign(contract=contract, by=by, name="signed.pdf", content=SIGNED_PDF)


def prepared(deal, by: User) -> None:
    from salesop.deals.discovery import services as discovery

    discovery.prep_save(
        deal=deal, by=by, industry_news="电商旺季单量同比增长 35%", competitor_moves="竞品 A 降价"
    )


def open_questions(deal, by: User) -> None:
    from salesop.deals.discovery import services as discovery
    from salesop.deals.models import Question

    question = Question.objects.filter(is_open=True, active=True).first()
    if question is None:
        ops = User.objects.filter(role_grants__role="ops").first() or by
        question = discovery.question_create(
            by=ops, text="如果现状持续一年,会给业务带来什么影响?", layer="deep"
        )
    discovery.call_plan_add(deal=deal, by=by, questions=[question])


def needs_at_both_layers(deal, by: User) -> None:
    from salesop.deals.discovery import services as discovery
    from salesop.deals.models import NeedKind, QuestionLayer

    layers = {NeedKind.layer_of(kind) for kind in deal.needs.values_list("kind", flat=True)}
    if QuestionLayer.SURFACE not in layers:
        discovery.need_add(
            deal=deal, by=by, kind="feature", summary="扫码复核", customer_words="出库前要扫码"
        )
    if QuestionLayer.DEEP not in layers:
        discovery.need_add(
            deal=deal,
            by=by,
            kind="hidden_pain",
            summary="旺季错发",
            customer_words="一到双十一就乱",
        )


def value_rows(deal, by: User) -> None:
    from salesop.deals.proposals.services import RowInput, proposal_create, value_rows_add

    if deal.proposals.filter(rows__isnull=False).exists():
        return
    proposal = proposal_create(deal=deal, by=by, title="智能仓储方案")
    value_rows_add(
        proposal=proposal,
        by=by,
        rows=[RowInput(pain="旺季错发", solution="扫码复核", value="差错率下降 80%")],
    )


def demo_logged(deal, by: User) -> None:
    from salesop.activities.services import activity_log

    activity_log(
        by=by,
        account=deal.account,
        deal=deal,
        kind="demo",
        subject="仓库场景演示",
        outcome="positive",
    )


def decision_maker_named(deal, by: User) -> None:
    from salesop.deals.discovery import services as discovery

    if not deal.stakeholders.filter(role="decision_maker").exists():
        discovery.stakeholder_add(deal=deal, by=by, role="decision_maker", new_contact_name="周总")


def signing_date_agreed(deal, by: User) -> None:
    """The contract's agreed signing date, once there is a contract (the tests of contracts make
    their own first)."""
    from datetime import timedelta

    from salesop.contracts.selectors import current_contract
    from salesop.contracts.signing import contract_schedule

    contract = current_contract(deal)
    if contract is not None and contract.target_signing_date is None:
        contract_schedule(
            contract=contract, by=by, target_signing_date=company_today() + timedelta(days=7)
        )


CRITERION_STEPS = {
    "contract.legal_cleared": cleared_contract,
    "discovery.recap_confirmed": confirm_recap,
    "discovery.recap_confirmed_by_customer": customer_confirms_recap,
    "stakeholders.decision_maker_identified": lambda d, by: engage(d, by, "decision_maker"),
    "stakeholders.decision_maker_engaged": lambda d, by: engage(d, by, "decision_maker"),
    "stakeholders.finance_engaged": lambda d, by: engage(d, by, "finance"),
    "quote.within_policy_or_approved": approved_quote,
    "proposal.delivered": delivered_proposal,
    "objections.resolved": resolve_objections,
}
# What the rep does that ticks a checklist item by its evidence.
EVIDENCE_STEPS = {
    **CRITERION_STEPS,
    "discovery.prep_done": prepared,
    "discovery.open_questions_planned": open_questions,
    "discovery.needs_recorded": needs_at_both_layers,
    "proposal.value_rows_written": value_rows,
    "activity.demo_logged": demo_logged,
    "stakeholders.decision_maker_identified": decision_maker_named,
    "contract.signing_date_set": signing_date_agreed,
}


class Receiver:
    """A real HTTP server that records what is posted to it: the stand-in for a chat tool's
    webhook endpoint in tests. `status` and `delay` shape its answers; `host` and `port` say
    where it listens (127.0.0.1 and a free port by default); with `tls` (a server SSLContext
    holding a certificate) it speaks HTTPS and records the name each client asked for (SNI)."""

    def __init__(
        self,
        status: int = 200,
        delay: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ):
        import http.server

        self.requests: list[dict] = []
        self.server_names: list[str | None] = []
        self.status = status
        self.delay = delay
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the stdlib's name)
                import time

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b'{"errcode":0}')

            def log_message(self, *args):
                return None  # quiet: the tests read the recorded requests

        self.server = http.server.ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_port
        scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{host}:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def make_channel(
    name: str = "行业平台 Industry platform",
    kind: str = "industry_platform",
    category: str = "online",
):
    from salesop.leads.models import Channel

    return Channel.objects.get_or_create(name=name, defaults={"kind": kind, "category": category})[
        0
    ]


def make_lead(owner: User, company: str = "杭州智造科技股份有限公司", **fields):
    from salesop.leads.services import lead_create

    fields.setdefault("contact_name", "王经理")
    return lead_create(
        by=owner,
        owner=owner,
        channel=fields.pop("channel", None) or make_channel(),
        company_name=company,
        **fields,
    )


def make_product(
    code: str = "WMS-LIC",
    name: str = "WMS 仓储管理系统 licence",
    *,
    family: str = "wms",
    list_price: str = "100000",
    **fields,
):
    from decimal import Decimal

    from salesop.pricing.models import Product

    return Product.objects.create(
        code=code, name=name, family=family, list_price=Decimal(list_price), **fields
    )


def make_policy(
    *,
    product=None,
    family: str = "",
    floor: str | None = "60000",
    rep: str = "10",
    manager: str = "20",
    director: str = "35",
    term: int = 60,
    cap: int = 120,
    concessions: tuple[tuple[str, str, str, bool], ...] = (
        ("training", "免费培训", "Free training", True),
        ("onsite", "驻场支持", "On-site support", False),
    ),
):
    """A price policy (for a product, or a family) with concessions (key, zh, en, needs
    approval). Defaults: floor 60 % of a 100,000 list price, rep 10 %, manager 20 %, director
    35 %, 60 days without finance, 120 days at most."""
    from decimal import Decimal

    from salesop.pricing.models import Concession, PricePolicy

    policy = PricePolicy(
        product=product,
        family=family,
        floor_price=Decimal(floor) if floor is not None else None,
        max_discount_rep=Decimal(rep),
        max_discount_manager=Decimal(manager),
        max_discount_director=Decimal(director),
        max_payment_term_days=term,
        hard_payment_term_days=cap,
    )
    policy.full_clean()
    policy.save()
    for key, zh, en, needs in concessions:
        Concession.objects.create(
            policy=policy, key=key, label_zh=zh, label_en=en, needs_approval=needs
        )
    return policy


def at_once(clients: list[Client], send: Callable[[int, Client], Any]) -> dict[int, tuple]:
    """Calls send(n, clients[n]) from one thread per client, all released at the same instant
    (each thread on its own database connection); each answer's status and JSON body by n."""
    barrier = threading.Barrier(len(clients))
    answers = {}

    def run(n: int) -> None:
        try:
            barrier.wait()
            response = send(n, clients[n])
            answers[n] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def timeline_of(client: Client, record) -> str:
    """The record's timeline as its card loads it when scrolled into view."""
    kind = record._meta.model_name
    response = client.get(f"/activities/{kind}/{record.pk}/timeline/", HTTP_HX_REQUEST="true")
    if response.status_code != 200:
        raise AssertionError(f"the timeline answered {response.status_code}")
    return response.content.decode()


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def docx_with(*paragraphs: str) -> bytes:
    """A Word file of these paragraphs (template tags included), as an upload would bring it."""
    import io

    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
