"""Importing historical deals: dates in several formats, amounts with 万 and thousands
separators, unknown owners reported or created without a login, products as deal lines,
all-or-nothing leaving nothing."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from salesop.accounts.models import User
from salesop.customers.profiling import icp_rebuild
from salesop.deals.models import Deal, StageEvent
from salesop.leads.jobs import import_start, import_upload

pytestmark = pytest.mark.django_db

CSV = (
    "客户名称,行业,负责人,产品,合同金额,最终阶段,结果,开始日期,成交日期,输单原因\r\n"
    '上海云仓物流有限公司,物流,rep,WMS,"1,200,000",签约,赢单,2024-01-05,2024/3/1,\r\n'
    "杭州智造科技,制造业,张伟,MES,12.5万,谈判,输单,2024-02-01,2024-04-15,价格过高\r\n"
    "Contoso Retail,Retail,Ghost Rep,POS,80000,solution,lost,2024-03-01,2024-05-01,competitor\r\n"
)


@pytest.fixture(autouse=True)
def catalogue(db):
    """The products the files below sell, known by code (WMS) or by name (GTX Plus Basic)."""
    from salesop.core.testing import make_product

    for code in ("WMS", "MES", "POS", "ERP"):
        make_product(code, f"{code} system", family=code.lower())
    for name in ("GTX Plus Basic", "GTXPro", "MG Special", "GTX Basic"):
        make_product(name.upper().replace(" ", "-"), name, family="gtx")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def go(org, content, name="history.csv", **options):
        data = content if isinstance(content, bytes) else content.encode()
        job = import_upload(
            by=org.ops,
            upload=SimpleUploadedFile(name, data),
            channel=None,
            kind="deals",
        )
        options.setdefault("all_or_nothing", True)
        options.setdefault("dry_run", False)
        with django_capture_on_commit_callbacks(execute=True):
            import_start(job=job, by=org.ops, mapping=job.mapping, dedupe="skip", **options)
        job.refresh_from_db()
        return job

    return go


def test_unknown_owner_is_reported_and_nothing_is_written(org, run):
    job = run(org, CSV)
    assert job.status == "failed" and not Deal.objects.exists()
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "负责人")]


def test_history_with_created_owners(org, run):
    job = run(org, CSV, create_owners=True)
    assert (job.status, job.created_count) == ("done", 3), job.errors
    won = Deal.objects.get(account__name="上海云仓物流有限公司")
    assert (won.status, won.amount, won.owner) == ("won", 1200000, org.rep)
    assert won.closed_at.date().isoformat() == "2024-03-01"
    events = list(StageEvent.objects.filter(deal=won).values_list("to_stage", flat=True))
    assert events == ["discovery", "solution", "negotiation", "contracting", "won"]
    lost = Deal.objects.get(account__name="杭州智造科技")
    assert (lost.amount, lost.lost_reason, lost.owner.full_name) == (125000, "price", "张伟")
    ghost = User.objects.get(full_name="Ghost Rep")
    # active without a login: in every per-person report of the period, unable to sign in
    assert ghost.is_active and not ghost.has_usable_password()
    assert Deal.objects.get(owner=ghost).lost_reason == "competitor"
    from salesop.insights.filters import owners_visible_to

    assert ghost in owners_visible_to(org.ops)
    assert not User.objects.filter(is_active=False).exists()
    # the product column is the deal's line: the catalogue's product, at the deal's amount
    assert [(line.product.code, line.amount) for line in won.lines.all()] == [("WMS", 1200000)]


def test_history_invents_no_time_in_a_stage(org, run):
    # The file says which stage each deal reached, not when: no stage dwell comes from it, so
    # the monthly review names no bottleneck from durations nobody measured; the cycle from
    # opening to closing, which the file does say, is kept.
    from salesop.insights.rules import month_period
    from salesop.insights.selectors import cycle_times

    job = run(org, CSV, create_owners=True)
    assert job.created_count == 3
    won = Deal.objects.get(account__name="上海云仓物流有限公司")
    events = StageEvent.objects.filter(deal=won).order_by("at", "pk")
    assert {e.seconds_in_previous for e in events} == {0}
    assert {e.at.date().isoformat() for e in events} == {"2024-01-05", "2024-03-01"}
    assert (won.closed_at - won.created_at).days == 56
    for month in (1, 2, 3, 4, 5):
        assert all(d.moves == 0 for d in cycle_times(org.ops, month_period(2024, month)))


def test_day_first_dates_need_the_declared_order(org, run):
    content = "客户名称,结果,开始日期,成交日期\r\n北京华信,赢单,05-01-24,01-03-24\r\n"
    assert run(org, content).errors[0]["column"] == "开始日期"
    job = run(org, content, date_order="dmy")
    assert job.created_count == 1
    assert Deal.objects.get().closed_at.date().isoformat() == "2024-03-01"


def test_history_feeds_the_ideal_customer_profile(org, run):
    rows = "".join(
        f"公司{i},{'物流' if i % 2 else '教育'},{'赢单' if i % 2 and i % 3 else '输单'},"
        f"2023-{1 + i % 12:02d}-01,2024-{1 + i % 12:02d}-{1 + i % 27:02d}\r\n"
        for i in range(60)
    )
    job = run(org, "客户名称,行业,结果,开始日期,成交日期\r\n" + rows)
    assert job.created_count == 60
    report = icp_rebuild().report
    assert report["enough_data"]
    assert any(s["value"] == "物流" and s["lift"] > 1 for s in report["stats"])


def test_history_import_through_the_wizard(client, org, django_capture_on_commit_callbacks):
    client.force_login(org.ops)
    client.post(
        "/leads/import/", {"kind": "deals", "file": SimpleUploadedFile("history.csv", CSV.encode())}
    )
    from salesop.leads.models import ImportJob

    job = ImportJob.objects.get()
    page = client.get(f"/leads/import/{job.pk}/").content.decode()
    assert 'name="create_owners"' in page and 'value="company" selected' in page
    form = {f"map_{i}": job.mapping.get(c, "") for i, c in enumerate(job.columns)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/leads/import/{job.pk}/",
            {**form, "dedupe": "skip", "mode": "valid_only", "date_order": "ymd"},
        )
    job.refresh_from_db()
    assert (job.created_count, job.error_count) == (2, 1)


@pytest.mark.parametrize(
    ("created", "closed", "column"),
    [
        ("2024-05-01", "2024-03-01", "开始日期"),  # swapped: its stage history ran backwards
        ("", "0001-01-01", "成交日期"),  # 60 days before it (the assumed start) is no date
        ("2024-01-05", "2099-03-01", "成交日期"),  # history, not a forecast
        ("1969-12-31", "2024-03-01", "开始日期"),
    ],
)
def test_impossible_history_dates_name_their_row_and_column(org, run, created, closed, column):
    # These stopped the import with "see the background task log" (a database constraint on a
    # negative time in stage, or the date arithmetic running out of years), naming no row.
    content = CSV.splitlines()[0] + (
        f"\r\n上海云仓物流有限公司,物流,rep,WMS,1000,签约,赢单,{created},{closed},\r\n"
    )
    job = run(org, content)
    assert job.status == "failed" and not Deal.objects.exists()
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, column)], job.message


def test_an_open_deal_started_today_imports(org, run):
    # Its day is placed at noon, which at 09:00 is still ahead of the clock: its time in the
    # first stage came out negative and a database constraint stopped the import.
    header = CSV.splitlines()[0]
    content = f"{header}\r\n上海云仓物流有限公司,物流,rep,WMS,1000,solution,,2027-03-01,,\r\n"
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))):
        job = run(org, content)
    assert job.status == "done", (job.message, job.errors)
    assert Deal.objects.get().created_at <= job.finished_at


def test_the_same_history_imported_twice_is_there_once(org, run):
    """The same file again creates nothing and says so (revenue and win counts doubled), and
    a file that brings the same deals under their ids finds them by id."""
    first = run(org, CSV, create_owners=True)
    assert (first.created_count, first.skipped_count) == (3, 0)
    revenue = sum(Deal.objects.filter(status="won").values_list("amount", flat=True))
    again = run(org, CSV, create_owners=True)
    assert (again.status, again.created_count, again.skipped_count) == ("done", 0, 3)
    assert Deal.objects.count() == 3
    assert sum(Deal.objects.filter(status="won").values_list("amount", flat=True)) == revenue
    assert User.objects.filter(full_name="Ghost Rep").count() == 1

    with_ids = (
        "Opportunity ID,Company,Outcome,Created,Closed,Amount\r\n"
        "OPP-1001,Northwind Traders,won,2024-01-10,2024-02-20,50000\r\n"
        "OPP-1002,Northwind Traders,won,2024-01-10,2024-02-20,50000\r\n"  # same but its id
    )
    assert run(org, with_ids).created_count == 2
    changed_amount = with_ids.replace(",50000\r\n", ",52000\r\n")
    job = run(org, changed_amount)  # the id says it is the same deal
    assert (job.created_count, job.skipped_count) == (0, 2)
    assert Deal.objects.filter(account__name="Northwind Traders").count() == 2


def test_a_dry_run_of_history_creates_no_owner(org, run):
    users = User.objects.count()
    job = run(org, CSV, create_owners=True, dry_run=True)
    assert (job.status, job.created_count) == ("done", 3), job.errors
    assert User.objects.count() == users and not Deal.objects.exists()


def test_a_loss_without_a_reason_is_not_recorded_and_the_review_proposes_nothing_from_it(org, run):
    from salesop.customers.models import Account
    from salesop.insights.losses import losses
    from salesop.insights.rules import month_period

    rows = "".join(f"公司{i},输单,2024-03-01,2024-04-{1 + i:02d},\r\n" for i in range(6))
    rows += "Contoso,lost,2024-03-01,2024-04-20,budget cut\r\n"  # a reason the playbook lacks
    job = run(org, "客户名称,结果,开始日期,成交日期,输单原因\r\n" + rows)
    assert job.created_count == 7, job.errors
    assert set(Deal.objects.values_list("lost_reason", flat=True)) == {"", "other"}
    report = losses(month_period(2024, 4), Deal.objects.all(), Account.objects.all())
    assert [(bar.key, bar.label, bar.count) for bar in report.reasons] == [
        ("", "未记录", 6),
        ("other", "其他", 1),
    ]


def test_ids_are_the_files_own_so_two_offices_numbering_1_2_3_both_come_in(org, run):
    north = (
        "ID,Company,Outcome,Created,Closed,Amount\r\n1,北方物流,won,2024-01-10,2024-02-20,1000\r\n"
    )
    south = (
        "ID,Company,Outcome,Created,Closed,Amount\r\n1,南方贸易,won,2024-01-10,2024-02-20,2000\r\n"
    )
    assert run(org, north).created_count == 1
    assert run(org, south).created_count == 1
    assert Deal.objects.count() == 2


@pytest.mark.parametrize("written", ["50000.00", "50,000.0", "5万"])
def test_an_amount_written_another_way_is_the_same_deal(org, run, written):
    head = "Company,Outcome,Created,Closed,Amount\r\n"
    run(org, head + "Acme,won,2024-01-10,2024-02-20,50000\r\n")
    job = run(org, head + f'Acme,won,2024-01-10,2024-02-20,"{written}"\r\n')
    assert (job.created_count, job.skipped_count) == (0, 1) and Deal.objects.count() == 1


def test_the_same_history_as_a_workbook_after_the_csv_is_there_once(org, run, tmp_path):
    from datetime import date

    from salesop.core.spreadsheets import write_xlsx

    head = "Company,Product,Outcome,Created,Closed,Amount"
    run(org, head + "\r\nAcme,ERP,won,2024-01-10,2024-02-20,50000.5\r\n")
    book = tmp_path / "history.xlsx"
    row = ["Acme", "ERP", "won", date(2024, 1, 10), date(2024, 2, 20), 50000.50]
    write_xlsx(book, head.split(","), [row])
    job = run(org, book.read_bytes(), name="history.xlsx")
    assert (job.created_count, job.skipped_count) == (0, 1) and Deal.objects.count() == 1


def test_the_deal_page_says_a_deal_is_imported_history_and_its_loss_unrecorded(client, org, run):
    run(org, "客户名称,结果,开始日期,成交日期\r\n北京华信,输单,2024-01-05,2024-03-01\r\n")
    deal = Deal.objects.get()
    client.force_login(org.ops)
    html = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="imported-history"' in html and "未记录" in html


# A public CRM data set's shape: no outcome column; the stage says Prospecting or Engaging
# for the open pipeline, Won or Lost for the rest.
PIPELINE = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\r\n"
    "1C1I7A6R,rep,GTX Plus Basic,Cancity,Won,2024-10-20,2024-03-01,1054\r\n"
    "Z063OYW0,rep,GTXPro,Isdom,Lost,2024-10-25,2024-03-11,0\r\n"
    "EC4QE1BX,rep,MG Special,Cancity,Engaging,2024-10-25,,\r\n"
    "MV1LWRNH,rep,GTX Basic,Codehow,Prospecting,,,\r\n"
).replace("2024-10-2", "2024-01-2")


def test_an_open_pipeline_at_the_files_own_stage_names_comes_in_once_they_are_mapped(org, run):
    from salesop.core.errors import DomainError
    from salesop.leads.selectors import import_values

    job = run(org, PIPELINE, all_or_nothing=False)
    assert (job.created_count, job.error_count) == (2, 2)
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "deal_stage"), (5, "deal_stage")]
    assert "Engaging" in job.errors[0]["reason"] and "discovery" in job.errors[0]["reason"]
    assert {d.status for d in Deal.objects.all()} == {"won", "lost"}
    # what the page offers to map: each value of the stage column, with ours where we know it
    chosen = {v.theirs: v.ours for v in import_values(job) if v.field == "stage"}
    assert chosen == {"Won": "won", "Lost": "lost", "Engaging": "", "Prospecting": ""}
    with pytest.raises(DomainError, match="'negotiating'"):
        import_start(
            job=job, by=org.ops, mapping=job.mapping, dedupe="skip", all_or_nothing=True,
            dry_run=False, value_map={"stage": {"Engaging": "negotiating"}},
        )  # fmt: skip
    job = run(
        org,
        PIPELINE,
        value_map={"stage": {"Prospecting": "discovery", "engaging": "solution"}},
    )
    assert (job.status, job.created_count, job.skipped_count) == ("done", 2, 2), job.errors
    open_deals = Deal.objects.filter(status="open").order_by("name")
    assert [(d.name, d.stage) for d in open_deals] == [
        ("GTX Basic", "discovery"),
        ("MG Special", "solution"),
    ]


def test_the_import_page_maps_the_files_stage_names(
    client, org, django_capture_on_commit_callbacks
):
    job = import_upload(
        by=org.ops, upload=SimpleUploadedFile("p.csv", PIPELINE.encode()), channel=None,
        kind="deals",
    )  # fmt: skip
    client.force_login(org.ops)
    page = client.get(f"/leads/import/{job.pk}/").content.decode()
    assert 'name="value:stage:Prospecting"' in page and 'name="value:stage:Won"' in page
    form = {f"map_{i}": job.mapping.get(c, "") for i, c in enumerate(job.columns)}
    form |= {"value:stage:Prospecting": "discovery", "value:stage:Engaging": "solution"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/leads/import/{job.pk}/", {**form, "dedupe": "skip", "mode": "all_or_nothing"}
        )
    job.refresh_from_db()
    assert job.value_map == {"stage": {"Prospecting": "discovery", "Engaging": "solution"}}
    assert (job.status, job.created_count) == ("done", 4), job.errors


def test_the_command_line_names_unknown_stages_and_maps_them(org, tmp_path, capsys):
    from django.utils import translation

    from salesop.cli import main

    path = tmp_path / "pipeline.csv"
    path.write_text(PIPELINE)
    base = ["import", "deals", str(path), "--user", "ops"]
    with translation.override("en"):
        main([*base, "--dry-run"])
    said = capsys.readouterr().err
    assert "Values of stage not known: Engaging, Prospecting" in said, said
    with translation.override("en"):
        main(
            [
                *base,
                "--values",
                "stage:Prospecting=discovery",
                "--values",
                "stage:Engaging=solution",
            ]
        )
    assert "not known" not in capsys.readouterr().err
    assert Deal.objects.filter(status="open").count() == 2


def _won_deals(count: int, first: int = 0) -> str:
    lines = ["Opportunity ID,Company,Owner,Product,Outcome,Created,Closed,Amount"]
    lines += [
        f"OPP-{i},客户{i}有限公司,rep,WMS,won,2024-01-10,2024-02-20,{1000 + i}"
        for i in range(first, first + count)
    ]
    return "\r\n".join(lines) + "\r\n"


def test_a_batch_is_written_in_the_same_few_statements_whatever_its_size(org, run):
    """A batch's accounts, deals, lines, stage events and audit entries are written in bulk:
    ten times the rows is not ten times the statements (a dozen per row made 100,000 past
    deals take a quarter of an hour). SQLite caps the values one INSERT may carry, so a bulk
    write of a thousand stage events is a few INSERTs there: a statement per row would add 180
    or more here, bulk writes add a few dozen at most."""
    from auditlog.models import LogEntry
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size, first in ((20, 0), (200, 100)):
        with CaptureQueriesContext(connection) as queries:
            job = run(org, _won_deals(size, first))
        assert (job.status, job.created_count) == ("done", size), job.errors
        counts.append(len(queries))
    assert counts[1] - counts[0] < 36, counts
    # each deal and each new company in the trail as the importer's, with what it started with
    deal = Deal.objects.get(import_key__isnull=False, amount=1105)
    entry = LogEntry.objects.get_for_object(deal).get()
    assert (entry.action, entry.actor) == (LogEntry.Action.CREATE, org.ops)
    assert entry.changes_dict["amount"][1] == "1105.00"
    assert LogEntry.objects.get_for_object(deal.account).get().actor == org.ops


def test_a_deal_another_import_wrote_first_is_skipped_and_the_rest_of_its_batch_kept(org):
    """Two imports of overlapping files at once: the deal the other one wrote while this one
    ran is recognised when its batch is written, and only it is left out."""
    from salesop.core.imports import BATCH
    from salesop.leads.imports import import_execute

    def upload(content):
        job = import_upload(
            by=org.ops, upload=SimpleUploadedFile("h.csv", content.encode()), channel=None,
            kind="deals",
        )  # fmt: skip
        job.all_or_nothing = False
        job.save()
        return job

    rows = BATCH + 5
    last = upload(_won_deals(1, first=rows - 1))

    def other_import_meanwhile(job, outcome):
        if job.processed_rows == BATCH:  # after the first batch: the other file's deal lands
            assert import_execute(last).created_count == 1

    job = import_execute(upload(_won_deals(rows)), progress=other_import_meanwhile)
    assert (job.status, job.created_count, job.skipped_count) == ("done", rows - 1, 1)
    assert Deal.objects.count() == rows
    assert Deal.objects.filter(name="WMS", amount=1000 + rows - 1).count() == 1


def test_an_amount_too_large_or_too_fine_to_keep_is_refused_on_its_row(org, run):
    """A stray digit run (a phone number in the amount column) is refused with its row, not a
    database overflow that fails the batch; so are a fraction of a cent (0.001 was kept as a
    won deal of 0.00) and a decimal comma (1.234,56 was read as 1.23)."""
    content = (
        "Company,Owner,Outcome,Created,Closed,Amount\r\n"
        "甲公司,rep,won,2024-01-10,2024-02-20,13812345678901234\r\n"
        "乙公司,rep,won,2024-01-10,2024-02-20,1234.567\r\n"
        '丙公司,rep,won,2024-01-10,2024-02-20,"1.234,56"\r\n'
        '丁公司,rep,won,2024-01-10,2024-02-20,"1,234.50"\r\n'
    )
    job = run(org, content, all_or_nothing=False)
    refused = [(e["row"], e["column"]) for e in job.errors]
    assert refused == [(2, "Amount"), (3, "Amount"), (4, "Amount")], job.errors
    assert "13812345678901234" in job.errors[0]["reason"]
    assert "1234.567" in job.errors[1]["reason"] and "1.234,56" in job.errors[2]["reason"]
    assert Deal.objects.get().amount == Decimal("1234.50")
    assert (
        str(LogEntry.objects.get_for_object(Deal.objects.get()).get().changes_dict["amount"][1])
        == "1234.50"
    )


def test_a_company_imported_before_its_won_history_becomes_a_customer(org, run):
    from salesop.core.testing import make_account

    account = make_account(org.ops, "Acme Co., Ltd.")
    content = (
        "Company,Owner,Outcome,Created,Closed,Amount\r\n"
        "ACME CO LTD,rep,won,2024-01-10,2024-02-20,1000\r\n"
    )
    run(org, content)
    account.refresh_from_db()
    assert account.lifecycle == "customer"
    became = LogEntry.objects.get_for_object(account).get(action=LogEntry.Action.UPDATE)
    assert (became.actor, became.changes_dict["lifecycle"]) == (org.ops, ["prospect", "customer"])


def test_a_deal_without_an_opening_date_gets_no_made_up_cycle(org, run):
    """With no created date the importer spread 60 days before the close: every such deal
    counted in the signing cycle, and open ones were dated two months before the import."""
    from datetime import date

    from salesop.insights.rules import Period
    from salesop.insights.selectors import durations

    content = (
        "Company,Owner,Outcome,Created,Closed,Amount\r\n"
        "甲公司,rep,won,2024-01-05,2024-03-05,1000\r\n"
        "乙公司,rep,won,,2024-03-06,1000\r\n"
        "丙公司,rep,open,,,1000\r\n"
    )
    before = timezone.now()
    run(org, content)
    deals = {d.account.name: d for d in Deal.objects.select_related("account")}
    assert not deals["甲公司"].opened_unknown
    assert deals["乙公司"].opened_unknown
    assert deals["乙公司"].created_at == deals["乙公司"].closed_at
    assert deals["丙公司"].opened_unknown and deals["丙公司"].created_at >= before
    events = list(deals["乙公司"].stage_events.order_by("at", "pk").values_list("kind", flat=True))
    assert events[-1] == "won"  # closed after the stages it passed, even opened as it closed
    cycle = next(
        d
        for d in durations(org.ops, Period(date(2024, 3, 1), date(2024, 3, 31)))
        if d.key == "signing_cycle"
    )
    assert (cycle.count, cycle.median) == (1, 60.0)


def test_a_closing_date_that_is_no_date_is_said_once(org, run):
    content = "Company,Owner,Outcome,Created,Closed\r\n甲公司,rep,won,01-02-24,31-02-24\r\n"
    job = run(org, content, date_order="dmy")
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "Closed")], job.errors
