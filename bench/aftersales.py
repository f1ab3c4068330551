"""After-sales benchmark: SLA due times in business hours across a holiday, and the ticket
queue, project page and company page (with growth recommendations over many customers'
signed contracts) through the real views.

    python -m bench.aftersales                     # SQLite
    python -m bench.aftersales --db postgres
    python -m bench.aftersales --repeats 3 --tickets 200 --customers 20 --no-record   # CI
"""

import argparse
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bench.common import record, setup, summary
from bench.discovery import timed


def build(tickets: int, customers: int):
    from django.utils import timezone

    from salesop.accounts.models import Role
    from salesop.aftersales.models import DeliveryProject, Ticket
    from salesop.aftersales.tickets import ticket_due_times
    from salesop.contracts.models import Contract
    from salesop.core.testing import (
        make_account,
        make_deal,
        make_org,
        make_product,
        make_template,
        make_user,
        sign_contract,
        tick_stage,
    )
    from salesop.deals.services import deal_move
    from salesop.pricing.services import quote_create

    org = make_org()
    make_user("pm", team=org.sales, roles=(Role.PROJECT_MANAGER, Role.TECH_SUPPORT))
    make_user("csm", team=org.sales, roles=(Role.CUSTOMER_SUCCESS,))
    template = make_template(org.ops)
    products = [
        make_product(f"P{i}", name=f"产品 {i}", family="x", list_price="10000") for i in range(12)
    ]
    deal = make_deal(
        org.rep, name="基准项目", expected_close_date=timezone.localdate() + timedelta(30)
    )
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)
    sign_contract(deal, org.rep)
    project = DeliveryProject.objects.get(deal=deal)
    # Other customers' signed contracts: what the co-purchase recommendations read.
    for i in range(customers):
        account = make_account(org.rep, name=f"客户 {i}")
        other = make_deal(org.rep, account=account, name=f"采购 {i}")
        chosen = [products[(i + k) % len(products)] for k in range(3)]
        quote = quote_create(deal=other, by=org.rep, lines=[{"product_id": p.pk} for p in chosen])
        Contract.objects.create(
            deal=other, quote=quote, template=template, customer=account.name,
            amount=Decimal(1), payment_term_days=30, created_by=org.rep, status="signed",
        )  # fmt: skip
    now = timezone.now()
    due = ticket_due_times(now, "normal")
    Ticket.objects.bulk_create(
        Ticket(
            account=project.account,
            project=project,
            number=f"B{i:06d}",
            channel="email",
            severity="normal",
            title=f"工单 {i}",
            description="基准",
            opened_at=now - timedelta(minutes=i),
            first_response_due_at=due[0] - timedelta(minutes=i),
            direction_due_at=due[1] - timedelta(minutes=i),
            owner=org.rep,
            team=org.rep.team,
        )  # fmt: skip
        for i in range(tickets)
    )
    return org, project


def run(db: str, repeats: int, tickets: int, customers: int, write: bool) -> None:
    setup(db, "salesop_bench_aftersales")
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)
    from salesop.aftersales.rules import BusinessCalendar, sla_due_at

    zone = ZoneInfo("Asia/Shanghai")
    calendar = BusinessCalendar(
        zone=zone, holidays=frozenset(date(2026, 10, d) for d in range(1, 8))
    )
    start = datetime.combine(date(2026, 9, 30), time(16), tzinfo=zone)
    rows = []
    for label, fn in (
        ("SLA due, 48 working hours over a holiday", lambda: sla_due_at(start, 48, calendar)),
        ("SLA due, 48 calendar hours", lambda: sla_due_at(start, 48)),
    ):
        median, p95 = summary(timed(fn, repeats * 20))
        rows.append((label, f"{median:.3f}", f"{p95:.3f}"))

    org, project = build(tickets, customers)
    client = Client(HTTP_HOST="localhost")
    client.force_login(org.rep)
    for label, url in (
        (f"ticket queue ({tickets} open tickets)", "/delivery/tickets/"),
        ("project page", f"/delivery/{project.pk}/"),
        (
            f"company page with recommendations ({customers} customers' contracts)",
            f"/customers/{project.account_id}/",
        ),
    ):
        assert client.get(url, secure=True).status_code == 200, url
        median, p95 = summary(timed(lambda url=url: client.get(url, secure=True), repeats))
        rows.append((label, f"{median:.1f}", f"{p95:.1f}"))
    for row in rows:
        print(" | ".join(row))
    if write:
        record(f"After-sales ({db})", rows, ("what", "median ms", "p95 ms"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    run(args.db, args.repeats, args.tickets, args.customers, not args.no_record)


if __name__ == "__main__":
    main()
