"""Deal execution benchmark: keyword extraction on discovery notes (Chinese and English), the
recap, transcript analysis, and the deal, discovery and proposal pages of a deal with many
needs, stakeholders, quotes and proposal rows, rendered through the real views.

    python -m bench.discovery                     # SQLite
    python -m bench.discovery --db postgres
    python -m bench.discovery --repeats 5 --no-record   # the quick run CI does
"""

import argparse
import time
from decimal import Decimal

from bench.common import record, setup, summary

ZH = (
    "客户是华东一家第三方物流公司,三个仓,旺季日单量三千单。目前用 Excel 和纸质单据管理库存,"
    "每月盘点要三天,拣货靠老员工记忆,双十一期间错发漏发严重,去年因此流失两个大客户。"
    "老板要求明年库存周转天数从 45 天降到 30 天,并计划在苏州开第二个仓。IT 只有两个人,"
    "担心实施周期太长影响旺季。预算 40 到 50 万,财务总监关注回本周期。"
)
EN = (
    "Northwind runs two warehouses with about 1,200 orders a day. Stock is tracked in "
    "spreadsheets; the monthly count takes three days and peak-season shipping errors cost them "
    "two key accounts last year. The board wants inventory turnover down from 45 to 30 days and "
    "a second site next year. IT is a team of two and worries about the rollout time."
)
REP_LINE = "张伟: 您能谈谈目前的拣货流程吗?"
TRANSCRIPT = "\n".join(REP_LINE if i % 3 == 0 else f"王经理: {ZH[:80]}" for i in range(300))


def timed(fn, repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def build_deal():
    from salesop.core.testing import delivered_proposal, make_deal, make_org
    from salesop.deals.discovery import services as discovery
    from salesop.pricing.services import quote_create

    org = make_org()
    deal = make_deal(org.rep, amount=Decimal(480000))
    for i in range(40):
        discovery.need_add(
            deal=deal,
            by=org.rep,
            kind=("feature", "strategic_goal", "hidden_pain")[i % 3],
            summary=f"需求 {i}",
            customer_words=ZH[: 60 + i],
        )
    for i in range(30):
        q = discovery.question_create(
            by=org.ops, text=f"问题 {i}:您如何看待{i}?", layer="deep" if i % 2 else "surface"
        )
        discovery.call_plan_add(deal=deal, by=org.rep, questions=[q])
    roles = ["decision_maker", "finance", "technical", "influencer", "user_department"]
    for i in range(25):
        discovery.stakeholder_add(
            deal=deal, by=org.rep, role=roles[i % len(roles)], new_contact_name=f"联系人 {i}"
        )
    discovery.keywords_extract(deal=deal, by=org.rep)
    for i in range(20):
        quote_create(
            deal=deal, by=org.rep, lines=[{"description": f"行 {i}", "list_price": "1000"}]
        )
    delivered_proposal(deal, org.rep)
    return org, deal


def run(db: str, repeats: int, write: bool) -> None:
    setup(db, "salesop_bench_discovery")
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)  # pages link hashed assets

    from salesop.deals.discovery import rules

    rows = []
    start = time.perf_counter()
    rules.extract_keywords("预热词典")
    rows.append(
        ("jieba dictionary, first load", f"{(time.perf_counter() - start) * 1000:.0f}", "—")
    )
    for label, fn in (
        ("keywords, Chinese note (180 chars)", lambda: rules.extract_keywords(ZH)),
        ("keywords, English note (60 words)", lambda: rules.extract_keywords(EN)),
        (
            "talk ratio, 300-turn transcript",
            lambda: rules.talk_ratio(rules.transcript_turns(TRANSCRIPT), "张伟"),
        ),
    ):
        median, p95 = summary(timed(fn, repeats * 10))
        rows.append((label, f"{median:.2f}", f"{p95:.2f}"))

    org, deal = build_deal()
    client = Client(HTTP_HOST="localhost")
    client.force_login(org.rep)
    proposal = deal.proposals.get()
    for label, url in (
        ("deal page (25 stakeholders, 20 quotes)", f"/deals/{deal.pk}/"),
        ("discovery workspace (40 needs, 30 questions)", f"/deals/{deal.pk}/discovery/"),
        ("proposal page", f"/deals/{deal.pk}/proposals/{proposal.pk}/"),
    ):
        assert client.get(url, secure=True).status_code == 200, url
        median, p95 = summary(timed(lambda url=url: client.get(url, secure=True), repeats))
        rows.append((label, f"{median:.1f}", f"{p95:.1f}"))
    for row in rows:
        print(" | ".join(row))
    if write:
        record(
            f"Deal execution ({db})",
            rows,
            ("what", "median ms", "p95 ms"),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    run(args.db, args.repeats, not args.no_record)


if __name__ == "__main__":
    main()
