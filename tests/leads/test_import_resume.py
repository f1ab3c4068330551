"""Imports that stop end failed, saying why and what they left behind, with the rows written so
far counted; a stopped import is resumed from its page, the API or `salesop import resume`, and
no row is written twice. A stop here is an error nobody foresaw: the database refusing one row's
insert after every check passed (a trigger, as a full disk would), in the third batch of a
2,500-row file; a worker killed with SIGKILL is tested in test_import_killed.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from salesop.core.errors import DomainError
from salesop.customers.models import Account
from salesop.deals.models import Deal
from salesop.leads.jobs import import_resume, import_start, import_upload
from salesop.leads.models import ImportJob, Lead

pytestmark = pytest.mark.django_db

ROWS = 2500  # file rows 2 to 2501: batches end at rows 1001, 2001 and 2501
BAD = {10, 2300}  # file rows whose company is empty: row errors, one before the stop, one after
STOP = 2200  # the row whose insert the database refuses, in the third batch


def company(n: int) -> str:
    return f"华东第{n}号物流有限公司"


# Each kind: its file's header and row, the table and column a trigger watches, and its rows.
KINDS = {
    "leads": (
        "公司名称,联系人,手机",
        lambda n: f"{company(n)},王经理,138{n:08d}",
        ("leads_lead", "company_name", company(STOP)),
        lambda: Lead.objects.values_list("company_name", flat=True),
    ),
    "accounts": (
        "客户名称,行业",
        lambda n: f"{company(n)},物流",
        ("customers_account", "name", company(STOP)),
        lambda: Account.objects.values_list("name", flat=True),
    ),
    "deals": (
        "客户名称,商机名称,合同金额,开始日期",
        lambda n: f"{company(n)},仓储系统{n},{1000 + n},2024-01-05",
        ("deals_deal", "name", f"仓储系统{STOP}"),
        lambda: Deal.objects.values_list("name", flat=True),
    ),
}


def csv_of(kind: str) -> bytes:
    header, row, _where, _names = KINDS[kind]
    lines = [header]
    for number in range(2, ROWS + 2):  # file row numbers: the header is row 1
        line = row(number)
        lines.append(line.replace(company(number), "", 1) if number in BAD else line)
    return ("\r\n".join(lines) + "\r\n").encode()


def refuse_insert(table: str, column: str, value: str) -> None:
    """The database refuses to insert this one row, as a full disk would refuse any."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER disk_full BEFORE INSERT ON {table} "  # noqa: S608 (test's own)
                f"WHEN NEW.{column} = '{value}' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN IF NEW.{column} = '{value}' THEN RAISE EXCEPTION 'disk full'; "
                "END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER disk_full BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )


def disk_freed(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER disk_full"
            if connection.vendor == "sqlite"
            else f"DROP TRIGGER disk_full ON {table}; DROP FUNCTION disk_full()"
        )


def uploaded(org, kind: str, content: bytes, by=None) -> ImportJob:
    from salesop.core.testing import make_channel

    return import_upload(
        by=by or org.ops,
        upload=SimpleUploadedFile(f"{kind}.csv", content),
        channel=make_channel() if kind == "leads" else None,
        kind=kind,
    )


def started(job, by, capture, **options) -> ImportJob:
    options = {"dedupe": "create", "all_or_nothing": False, "dry_run": False, **options}
    with capture(execute=True):
        import_start(job=job, by=by, mapping=job.mapping, **options)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("kind", KINDS)
def test_an_error_mid_import_fails_the_job_and_resuming_writes_each_row_once(
    org, kind, django_capture_on_commit_callbacks
):
    """Duplicates are created (dedupe "create"), so only the job's checkpoint keeps the rows
    of the first two batches from coming in twice."""
    _header, _row, (table, column, value), names = KINDS[kind]
    refuse_insert(table, column, value)
    job = started(uploaded(org, kind, csv_of(kind)), org.ops, django_capture_on_commit_callbacks)

    assert (job.status, job.interrupted, job.finished_at is not None) == ("failed", True, True)
    assert job.message.startswith("失败：出错中止") and "disk full" in job.message
    assert "2001" in job.message  # how far it got
    written = 2000 - 1  # rows 2 to 2001, row 10 refused
    assert len(names()) == written
    assert (job.committed_row, job.processed_rows) == (2001, 2000)
    assert (job.created_count, job.error_count) == (written, 1)  # the rows written, counted
    assert [e["row"] for e in job.errors] == [10]

    disk_freed(table)
    with django_capture_on_commit_callbacks(execute=True):
        import_resume(job=job, by=org.ops)
    job.refresh_from_db()

    assert (job.status, job.interrupted, job.message) == ("done", False, ""), job.message
    made = list(names())
    assert len(made) == len(set(made)) == ROWS - len(BAD)  # every row once
    assert job.created_count == ROWS - len(BAD)
    assert (job.error_count, job.processed_rows, job.committed_row) == (2, ROWS, ROWS + 1)
    assert [e["row"] for e in job.errors] == sorted(BAD)
    report = job.error_report.read().decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in report[1:]] == [str(n) for n in sorted(BAD)]


def test_an_all_or_nothing_import_that_stopped_runs_again_from_the_first_row(
    org, django_capture_on_commit_callbacks
):
    table, column, value = KINDS["leads"][2]
    refuse_insert(table, column, value)
    content = csv_of("leads").replace("\r\n,王经理".encode(), "\r\n另一家公司,王经理".encode())
    job = started(
        uploaded(org, "leads", content), org.ops, django_capture_on_commit_callbacks,
        all_or_nothing=True,
    )  # fmt: skip
    assert (job.status, job.interrupted, job.committed_row) == ("failed", True, 0)
    assert "disk full" in job.message and "没有导入任何数据" in job.message
    assert not Lead.objects.exists()

    disk_freed(table)
    with django_capture_on_commit_callbacks(execute=True):
        import_resume(job=job, by=org.ops)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.processed_rows) == ("done", ROWS, ROWS)
    assert Lead.objects.count() == ROWS


def test_who_may_resume_and_what(org, client, django_capture_on_commit_callbacks):
    """Its creator or sales ops, from the page too; a teammate does not even find it; a job that
    ran to its end is not resumed, and one that stopped half-way is not started over."""
    table, column, value = KINDS["leads"][2]
    refuse_insert(table, column, value)
    job = started(
        uploaded(org, "leads", csv_of("leads"), by=org.rep), org.rep,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert job.resumable
    for other in (org.teammate, org.manager):
        with pytest.raises(DomainError) as refused:
            import_resume(job=job, by=other)
        assert refused.value.code == "forbidden"
    with pytest.raises(DomainError) as refused:
        import_start(
            job=job, by=org.rep, mapping=job.mapping, dedupe="create", all_or_nothing=False,
            dry_run=False,
        )  # fmt: skip
    assert refused.value.code == "resume" and "2001" in refused.value.message

    client.force_login(org.teammate)
    assert client.post(f"/leads/import/{job.pk}/resume/").status_code == 404
    client.force_login(org.rep)
    page = client.get(f"/leads/import/{job.pk}/").content.decode()
    assert 'data-testid="import-resume"' in page and "继续导入" in page
    disk_freed(table)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/import/{job.pk}/resume/")
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", ROWS - len(BAD))
    assert Lead.objects.count() == ROWS - len(BAD)
    assert (
        'data-testid="import-resume"' not in client.get(f"/leads/import/{job.pk}/").content.decode()
    )
    with pytest.raises(DomainError) as refused:
        import_resume(job=job, by=org.rep)
    assert refused.value.code == "not_resumable"


def test_more_rows_than_an_import_takes_are_refused_saying_how_many(
    org, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(DomainError) as refused:
        uploaded(org, "leads", "公司名称\r\n甲\r\n乙\r\n丙\r\n丁\r\n".encode())
    assert refused.value.code == "too_many_rows"
    assert "4" in refused.value.message and "3" in refused.value.message
    assert not ImportJob.objects.exists()

    # a workbook whose recorded size understates its rows is stopped when they are read
    job = uploaded(org, "leads", "公司名称\r\n甲\r\n乙\r\n".encode())
    settings.IMPORT_MAX_ROWS = 1
    job = started(job, org.ops, django_capture_on_commit_callbacks, all_or_nothing=True)
    assert job.status == "failed" and not job.interrupted and "1" in job.message
    assert not Lead.objects.exists()


def test_a_stopped_import_is_resumed_through_the_api(org, django_capture_on_commit_callbacks):
    table, column, value = KINDS["accounts"][2]
    refuse_insert(table, column, value)
    client = Client()
    client.force_login(org.ops)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            "/api/v1/imports",
            {
                "file": SimpleUploadedFile("accounts.csv", csv_of("accounts")),
                "kind": "accounts",
                "valid_only": "true",
                "dedupe": "create",
            },
        )
    job = client.get(f"/api/v1/imports/{posted.json()['id']}").json()
    assert (job["status"], job["resumable"], job["committed_row"]) == ("failed", True, 2001)
    assert job["created"] == Account.objects.count() == 1999 and "disk full" in job["message"]

    disk_freed(table)
    with django_capture_on_commit_callbacks(execute=True):
        resumed = client.post(f"/api/v1/imports/{job['id']}/resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "queued"
    job = client.get(f"/api/v1/imports/{job['id']}").json()
    assert (job["status"], job["created"], job["error_rows"]) == ("done", ROWS - len(BAD), 2)
    assert Account.objects.count() == len(set(Account.objects.values_list("name", flat=True)))
    again = client.post(f"/api/v1/imports/{job['id']}/resume")
    assert again.status_code == 422 and again.json()["code"] == "not_resumable"


def test_a_file_damaged_mid_way_says_what_came_in_and_is_not_offered_to_resume(
    org, django_capture_on_commit_callbacks
):
    """A quotation mark never closed at row 1500: running it again would stop there again."""
    lines = csv_of("leads").decode().split("\r\n")
    lines[1499] = '"' + lines[1499]  # file row 1500
    job = started(
        uploaded(org, "leads", "\r\n".join(lines).encode()), org.ops,
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert (job.status, job.interrupted, job.committed_row) == ("failed", False, 1001)
    assert "1500" in job.message and "第 1001 行及之前的行已导入（新建 999" in job.message
    assert Lead.objects.count() == job.created_count == 999
    with pytest.raises(DomainError) as refused:
        import_resume(job=job, by=org.ops)
    assert refused.value.code == "not_resumable"
