"""Contracts benchmark: deviation marking and the side-by-side view of long clauses, the Word
file of a 40-clause contract, and the contract page and legal's review queue through the real
views, with many clauses, review rounds and contracts waiting.

    python -m bench.contracts                     # SQLite
    python -m bench.contracts --db postgres
    python -m bench.contracts --repeats 3 --no-record   # the quick run CI does
"""

import argparse
from datetime import timedelta

from bench.common import record, setup, summary
from bench.discovery import timed

CLAUSE = (
    "任何一方违约,应赔偿对方因此遭受的直接损失,赔偿总额以合同总价的 20% 为上限。"
    "因不可抗力导致不能履行合同的,受影响一方应在十日内书面通知对方并提供证明。"
) * 12  # ~1,100 characters: a long clause


def build(queue: int):
    from django.utils import timezone

    from salesop.contracts.legal_review import contract_submit, review_decide
    from salesop.contracts.services import clauses_edit, contract_create
    from salesop.contracts.template_versions import template_save
    from salesop.core.testing import approved_quote, make_deal, make_org
    from salesop.pricing.selectors import current_quote

    org = make_org()
    clauses = [
        {
            "key": f"c{i}",
            "title": f"条款 {i}",
            "text": CLAUSE,
            "risk": "special" if i % 5 == 0 else "standard",
        }
        for i in range(40)
    ]
    template = template_save(by=org.ops, code="long", name="长合同", clauses=clauses)
    contracts = []
    for i in range(queue):
        deal = make_deal(org.rep, name=f"商机 {i}")
        approved_quote(deal, org.rep)
        contract = contract_create(
            deal=deal,
            quote=current_quote(deal),
            template=template,
            by=org.rep,
            target_signing_date=timezone.localdate() + timedelta(days=10),
        )
        clauses_edit(
            contract=contract,
            by=org.rep,
            texts={f"c{k}": CLAUSE.replace("20%", "50%", 1) for k in range(0, 40, 4)},
        )
        contract_submit(contract=contract, by=org.rep)
        contracts.append(contract)
    # The first contract has been returned once and resubmitted: two review rounds.
    first = contracts[0]
    review_decide(
        contract=first,
        by=org.legal,
        approve=False,
        decisions=[
            {"clause": c.key, "verdict": "reject", "comment": "赔偿上限不可提高"}
            for c in first.clauses.filter(needs_review=True)
        ],
    )
    contract_submit(contract=first, by=org.rep)
    return org, first


def run(db: str, repeats: int, queue: int, write: bool) -> None:
    setup(db, "salesop_bench_contracts")
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)

    from salesop.contracts import rules
    from salesop.contracts.files import contract_docx

    rows = []
    one = CLAUSE.replace("20%", "50%", 1)
    everywhere = CLAUSE.replace("20%", "50%").replace(",", ", ")
    for label, fn in (
        ("deviation check, 1,100-char clause", lambda: rules.deviates(CLAUSE, everywhere)),
        ("side-by-side marking, one change", lambda: rules.side_by_side(CLAUSE, one)),
        ("side-by-side marking, 12 changes across", lambda: rules.side_by_side(CLAUSE, everywhere)),
    ):
        median, p95 = summary(timed(fn, repeats * 10))
        rows.append((label, f"{median:.2f}", f"{p95:.2f}"))

    org, contract = build(queue)
    median, p95 = summary(timed(lambda: contract_docx(contract), repeats))
    rows.append(("Word file, 40 clauses", f"{median:.1f}", f"{p95:.1f}"))
    for user, label, url in (
        (org.rep, "contract page (40 clauses, 2 review rounds)", f"/contracts/{contract.pk}/"),
        (org.legal, f"legal review queue ({queue} contracts)", "/contracts/review/"),
    ):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        assert client.get(url, secure=True).status_code == 200, url
        median, p95 = summary(timed(lambda c=client, u=url: c.get(u, secure=True), repeats))
        rows.append((label, f"{median:.1f}", f"{p95:.1f}"))
    for row in rows:
        print(" | ".join(row))
    if write:
        record(f"Contracts ({db})", rows, ("what", "median ms", "p95 ms"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--queue", type=int, default=200, help="contracts waiting for legal")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    run(args.db, args.repeats, args.queue, not args.no_record)


if __name__ == "__main__":
    main()
