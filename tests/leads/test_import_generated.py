"""Generated imports: K bad rows of random kinds at random places among N good ones, as CSV
and XLSX. All or nothing: the job fails naming exactly the K rows and their columns, and not
one lead is written. Row by row: the N good ones are written and the K reported."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from salesop.core.testing import make_channel
from salesop.leads.jobs import import_start, import_upload
from salesop.leads.models import ImportJob, Lead

pytestmark = pytest.mark.django_db

HEADER = ["公司名称", "联系人", "手机", "邮箱"]
# What makes a row bad, and the column its error names.
BAD = {
    "no company": ("公司名称", lambda i: ["", "王经理", f"1390000{i:04d}", ""]),
    "short phone": ("手机", lambda i: [f"坏号码公司{i}", "王经理", "12345", ""]),
    "bad email": ("邮箱", lambda i: [f"坏邮箱公司{i}", "王经理", f"1370000{i:04d}", "not-mail"]),
}


def _good(i: int) -> list[str]:
    return [f"生成测试{i}号贸易有限公司", "陈经理", f"1380000{i:04d}", f"buyer{i}@example.cn"]


def _file(rows: list[list[str]], kind: str) -> tuple[str, bytes]:
    if kind == "csv":
        text = "\r\n".join(",".join(row) for row in [HEADER, *rows])
        return "leads.csv", text.encode("utf-8")
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return "leads.xlsx", out.getvalue()


@st.composite
def imports(draw):
    """Rows with the column each bad one's error must name (None for a good row)."""
    good = draw(st.integers(min_value=1, max_value=25))
    rows = [(_good(i), None) for i in range(good)]
    for n, kind in enumerate(draw(st.lists(st.sampled_from(sorted(BAD)), min_size=1, max_size=8))):
        column, make = BAD[kind]
        rows.insert(draw(st.integers(min_value=0, max_value=len(rows))), (make(n), column))
    return rows


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_k_bad_rows_among_n_are_named_and_nothing_half_written(
    org, kind, django_capture_on_commit_callbacks
):
    channel = make_channel()

    def run(job, all_or_nothing: bool):
        with django_capture_on_commit_callbacks(execute=True):  # the worker's turn
            import_start(
                job=job,
                by=org.rep,
                mapping=job.mapping,
                dedupe="skip",
                dry_run=False,
                all_or_nothing=all_or_nothing,
            )
        job.refresh_from_db()
        return job

    @settings(
        max_examples=12,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(rows=imports())
    def check(rows):
        Lead.objects.all().delete()
        ImportJob.objects.all().delete()
        bad = {(index + 2, column) for index, (_, column) in enumerate(rows) if column}
        name, content = _file([cells for cells, _ in rows], kind)  # row 1 is the header
        job = import_upload(by=org.rep, upload=SimpleUploadedFile(name, content), channel=channel)
        job = run(job, all_or_nothing=True)
        assert job.status == "failed" and Lead.objects.count() == 0
        assert {(e["row"], e["column"]) for e in job.errors} == bad
        job = run(job, all_or_nothing=False)
        assert (job.created_count, job.error_count) == (len(rows) - len(bad), len(bad))
        assert Lead.objects.count() == len(rows) - len(bad)

    check()
