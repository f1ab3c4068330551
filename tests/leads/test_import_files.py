"""The files teams really export, read whole through the page's import: a GBK export whose
header is ASCII (every Chinese row was refused: the encoding was guessed from the first line),
Big5 from a Taiwan office, Excel's "Unicode text" (UTF-16, tabs), semicolon CSVs from a European
Excel, a 100,000-column file, a 200,000-character cell, a file gone before the worker reached
it, and the same company under another suffix."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.core.errors import DomainError
from salesop.core.spreadsheets import MAX_CELL, MAX_COLUMNS
from salesop.core.testing import make_channel, make_lead
from salesop.core.time import company_date
from salesop.leads.jobs import import_start, import_upload
from salesop.leads.models import ImportJob, Lead

pytestmark = pytest.mark.django_db

# ASCII header, Chinese rows: an export of an English-language CRM used in China
HEADER = ["company", "contact", "phone", "email", "region"]
ROWS = [
    ["嘉兴恒通冷链物流有限公司", "周经理", "13805710001", "zhou@hengtong.cn", "浙江"],
    ["无锡华晨电子科技有限公司", "吴工", "13905100002", "wu@huachen.cn", "江苏"],
    ["合肥新桥食品有限公司", "钱总", "13705510003", "", "安徽"],
    ["北京星河科技有限公司", "赵女士", "13601010004", "zhao@xinghe.cn", "北京"],
]


def text(delimiter=",", rows=ROWS, header=HEADER) -> str:
    return "\r\n".join(delimiter.join(cells) for cells in [header, *rows]) + "\r\n"


def upload(org, content: bytes, name="leads.csv"):
    return import_upload(
        by=org.rep, upload=SimpleUploadedFile(name, content), channel=make_channel()
    )


def run(org, job, django_capture_on_commit_callbacks, **options):
    options = {
        "mapping": job.mapping,
        "dedupe": "skip",
        "all_or_nothing": False,
        "dry_run": False,
        **options,
    }
    with django_capture_on_commit_callbacks(execute=True):
        import_start(job=job, by=org.rep, **options)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("GBK under an ASCII header", text().encode("gbk")),
        ("GB18030", text().encode("gb18030")),
        ("UTF-8 with BOM", text().encode("utf-8-sig")),
        ("UTF-16 with tabs (Excel's Unicode text)", text("\t").encode("utf-16")),
        ("semicolons", text(";").encode("utf-8")),
        ("tabs in GBK", text("\t").encode("gbk")),
        ("bars", text("|").encode("utf-8")),
    ],
)
def test_every_row_of_the_files_teams_export_comes_in(
    org, name, content, django_capture_on_commit_callbacks
):
    job = upload(org, content)
    assert job.columns == HEADER, name
    assert job.mapping["company"] == "company_name" and job.mapping["phone"] == "phone"
    job = run(org, job, django_capture_on_commit_callbacks)
    assert (job.status, job.created_count, job.error_count) == ("done", 4, 0), (name, job.errors)
    assert set(Lead.objects.values_list("company_name", flat=True)) == {r[0] for r in ROWS}
    assert Lead.objects.get(contact_name="周经理").region == "浙江"


def test_big5_from_a_taiwan_office_reads_as_big5(org, django_capture_on_commit_callbacks):
    rows = [
        ["台北宏達電子股份有限公司", "陳經理", "0912345678", "chen@hongda.tw", "台灣"],
        ["新竹聯發資訊股份有限公司", "林小姐", "0922333444", "lin@lianfa.tw", "台灣"],
        ["高雄港灣物流股份有限公司", "黃先生", "0933555666", "", "台灣"],
    ] * 5
    job = upload(org, text(rows=rows).encode("big5"))
    job = run(org, job, django_capture_on_commit_callbacks, mapping={**job.mapping, "phone": ""})
    assert job.status == "done" and job.error_count == 0, job.errors
    assert Lead.objects.filter(contact_name="陳經理").exists()


def test_a_comma_file_with_semicolons_in_its_cells_stays_a_comma_file(org):
    rows = [["上海云仓; 物流", "周经理", "13805710001", "a@b.cn", "上海"]]
    job = upload(org, text(rows=rows).encode())
    assert job.columns == HEADER


def test_a_hundred_thousand_columns_are_refused_before_a_mapping_page(org):
    header = ",".join(f"c{i}" for i in range(100_000))
    with pytest.raises(DomainError) as refused:
        upload(org, (header + "\r\n" + "x," * 99_999 + "x\r\n").encode())
    assert "100000" in refused.value.message.replace(",", "")
    assert str(MAX_COLUMNS) in refused.value.message
    assert not ImportJob.objects.exists()


def test_a_cell_too_long_is_a_row_error_naming_its_column(org, django_capture_on_commit_callbacks):
    rows = [ROWS[0], [ROWS[1][0], "吴工", "13905100002", "wu@huachen.cn", "江" * 200_000], ROWS[2]]
    job = run(org, upload(org, text(rows=rows).encode()), django_capture_on_commit_callbacks)
    assert (job.status, job.created_count) == ("done", 2)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "region")]  # once, where
    assert "region" in job.errors[0]["reason"] and f"{MAX_CELL}" in job.errors[0]["reason"]


def test_a_long_cell_in_a_column_left_unmapped_refuses_nothing(
    org, django_capture_on_commit_callbacks
):
    rows = [ROWS[0], [ROWS[1][0], "吴工", "13905100002", "wu@huachen.cn", "江" * 20_000]]
    job = upload(org, text(rows=rows).encode())
    mapping = {c: f for c, f in job.mapping.items() if c != "region"}
    job = run(org, job, django_capture_on_commit_callbacks, mapping=mapping)
    assert (job.created_count, job.errors) == (2, [])


def test_a_file_gone_before_the_worker_reached_it_fails_the_job_saying_so(
    org, django_capture_on_commit_callbacks
):
    job = upload(org, text().encode())
    with django_capture_on_commit_callbacks() as queued:
        import_start(
            job=job, by=org.rep, mapping=job.mapping, dedupe="skip", all_or_nothing=True,
            dry_run=False,
        )  # fmt: skip
    job.file.storage.delete(job.file.name)
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "failed" and "重新上传" in job.message, job.message
    assert job.finished_at is not None and not Lead.objects.exists()


@pytest.mark.parametrize(
    ("in_pool", "in_file"),
    [
        ("北京星河科技有限公司", "北京星河科技（有限公司）"),
        ("Acme Co., Ltd.", "ACME CO LTD"),
    ],
)
def test_a_company_already_in_the_pool_is_a_duplicate_whatever_its_suffix(
    org, in_pool, in_file, django_capture_on_commit_callbacks
):
    make_lead(org.rep, company=in_pool, phone="13900000001", contact_name="王 经理")
    rows = [[in_file, "王经理", "13700000009", "new@example.cn", "北京"], ROWS[0]]
    job = run(org, upload(org, text(rows=rows).encode()), django_capture_on_commit_callbacks)
    assert (job.created_count, job.skipped_count) == (1, 1), job.errors
    assert not Lead.objects.filter(company_name=in_file).exists()


def test_a_person_twice_in_one_file_comes_in_once(org, django_capture_on_commit_callbacks):
    rows = [ROWS[0], ["嘉兴恒通冷链物流（有限公司）", "周经理", "13700000010", "", "浙江"]]
    job = run(org, upload(org, text(rows=rows).encode()), django_capture_on_commit_callbacks)
    assert (job.created_count, job.skipped_count) == (1, 1)


@pytest.mark.parametrize("dedupe", ["skip", "merge"])
def test_two_people_at_one_company_are_two_leads(org, dedupe, django_capture_on_commit_callbacks):
    """A company match is the same person at the same company, never a colleague: Bob was
    skipped, or his phone written into Alice's lead."""
    alice = make_lead(org.rep, company="Acme Co., Ltd.", contact_name="Alice", email="a@acme.com")
    rows = [
        ["ACME CO LTD", "Bob", "13905100002", "bob@acme.com", "上海"],
        ["个人", "张三", "13905100003", "", "上海"],
        ["个人", "李四", "13905100004", "", "上海"],
    ]
    job = upload(org, text(rows=rows).encode())
    job = run(org, job, django_capture_on_commit_callbacks, dedupe=dedupe)
    assert (job.created_count, job.skipped_count, job.merged_count) == (3, 0, 0)
    alice.refresh_from_db()
    assert alice.phone == "" and Lead.objects.get(contact_name="Bob").company_name == "ACME CO LTD"


def test_each_lead_keeps_its_source_and_its_date(org, django_capture_on_commit_callbacks):
    """A CRM export's source and created columns: each lead is counted for the channel it came
    from and dated when it came (every lead was dated at import time and given the file's
    channel), day-first dates read in the declared order."""
    fair = make_channel(name="物流展 Logistics fair")
    header = [*HEADER, "lead source", "created"]
    rows = [
        [*ROWS[0], "物流展 logistics FAIR", "05-03-24"],
        [*ROWS[1], "", "2024-03-06"],
        [*ROWS[2], "Cold calls", "07-03-24"],
        [*ROWS[3], "物流展 Logistics fair", "31-02-24"],
    ]
    job = upload(org, text(rows=rows, header=header).encode())
    assert job.mapping["lead source"] == "channel" and job.mapping["created"] == "created"
    job = run(org, job, django_capture_on_commit_callbacks, date_order="dmy")
    assert (job.created_count, job.error_count) == (2, 2)
    reasons = {error["row"]: error["reason"] for error in job.errors}
    assert "Cold calls" in reasons[4] and "物流展 Logistics fair" in reasons[4]
    assert "31-02-24" in reasons[5]
    first = Lead.objects.get(contact_name="周经理")
    assert first.channel == fair and company_date(first.created_at) == date(2024, 3, 5)
    second = Lead.objects.get(contact_name="吴工")
    assert second.channel == job.channel and company_date(second.created_at) == date(2024, 3, 6)


ENGLISH = "company,contact,phone,email\r\n"


def test_a_damaged_byte_in_a_utf8_file_is_a_row_error_not_another_encoding(
    org, django_capture_on_commit_callbacks
):
    content = (
        ENGLISH
        + "".join(f"Co{i},Name{i},,n{i}@x.com\r\n" for i in range(20))
        + "Acme,José,,jose@acme.com\r\nFoo,Renée,,renee@foo.com\r\n"
    ).encode() + b"Bar,Fran\xe7ois,,f@bar.com\r\n"
    job = run(org, upload(org, content), django_capture_on_commit_callbacks)
    assert job.created_count == 22 and [e["row"] for e in job.errors] == [24]
    assert Lead.objects.filter(contact_name__in=["José", "Renée"]).count() == 2


def test_chinese_rows_after_64_kb_of_ascii_come_in(org, django_capture_on_commit_callbacks):
    rows = "".join(f"Company {i},John {i},,j{i}@x{i}.com\r\n" for i in range(2500))
    content = (
        ENGLISH + rows + "北京星河科技有限公司,赵女士,13601010004,zhao@xinghe.cn\r\n"
    ).encode("gbk")
    assert len(content) > 65536
    job = run(org, upload(org, content), django_capture_on_commit_callbacks)
    assert (
        job.error_count == 0 and Lead.objects.filter(company_name="北京星河科技有限公司").exists()
    )


@pytest.mark.parametrize(
    "content",
    [
        b"company;contact;phone;email\r\nAcme;Alice;13805710001;a@acme.com;\r\n"
        b"Foo;Bob;13905100002;b@foo.com;\r\n",
        b"sep=;\r\ncompany;contact;phone;email\r\nAcme;Alice;13805710001;a@acme.com\r\n"
        b"Foo;Bob;13905100002;b@foo.com\r\n",
    ],
    ids=["rows ending in a semicolon", "Excel's sep= line"],
)
def test_semicolon_files_as_excel_writes_them(org, content, django_capture_on_commit_callbacks):
    job = upload(org, content)
    assert job.columns == ["company", "contact", "phone", "email"]
    assert run(org, job, django_capture_on_commit_callbacks).created_count == 2


def test_a_quote_never_closed_fails_the_job_naming_its_row(org, django_capture_on_commit_callbacks):
    """It read the rest of the file into one cell and said "done" with 0 of 3,000 rows."""
    rows = "".join(f"Co{i},Name{i},,n{i}@x{i}.com\r\n" for i in range(3000))
    content = (ENGLISH + '"Acme,Alice,,alice@acme.com\r\n' + rows).encode()
    job = run(org, upload(org, content), django_capture_on_commit_callbacks)
    assert job.status == "failed" and "2" in job.message and "引号" in job.message
    assert not Lead.objects.exists()


def test_a_workbook_uploaded_under_a_csv_name_is_read(org, django_capture_on_commit_callbacks):
    import io

    from salesop.core.spreadsheets import write_xlsx

    book = io.BytesIO()
    write_xlsx(book, HEADER, ROWS)
    job = upload(org, book.getvalue(), name="leads.csv")
    assert job.columns == HEADER
    assert run(org, job, django_capture_on_commit_callbacks).created_count == 4


def test_merging_the_same_person_twice_in_a_file_makes_one_lead(
    org, django_capture_on_commit_callbacks
):
    content = (
        ENGLISH + "Acme,Alice,,alice@acme.com\r\nAcme Inc,Alice,13805710001,alice@acme.com\r\n"
    )
    job = run(
        org, upload(org, content.encode()), django_capture_on_commit_callbacks, dedupe="merge"
    )
    assert (job.created_count, job.skipped_count) == (1, 1)
    assert Lead.objects.filter(email_normalized="alice@acme.com").count() == 1


def test_a_repeated_header_keeps_both_columns_and_a_nul_is_a_row_error(
    org, django_capture_on_commit_callbacks
):
    """`phone,phone`: the second column silently replaced the first; a NUL byte deep in the
    file was stored in a lead's name (PostgreSQL refuses it)."""
    content = (
        "company,contact,phone,phone\r\n"
        "嘉兴恒通冷链物流有限公司,周经理,13805710001,0573-88880001\r\n"
        + "无锡华晨电子科技有限公司,吴工,13905100002,\r\n" * 200
        + "合肥新桥食品有限公司,钱\x00总,13705510003,\r\n"
    )
    job = upload(org, content.encode())
    assert job.columns == ["company", "contact", "phone", "phone (2)"]
    assert job.mapping["phone"] == "phone" and "phone (2)" not in job.mapping
    job = run(org, job, django_capture_on_commit_callbacks, all_or_nothing=False)
    assert [(e["row"], e["column"]) for e in job.errors] == [(203, "contact")], job.errors
    assert Lead.objects.get(company_name="嘉兴恒通冷链物流有限公司").phone == "13805710001"


@pytest.mark.parametrize("content", [b"company,contact,phone\r\n", b"company,contact,phone"])
def test_a_header_without_rows_is_refused_at_upload_saying_so(org, content):
    with pytest.raises(DomainError) as refused:
        upload(org, content)
    assert "没有数据行" in refused.value.message or "no rows" in refused.value.message
    assert not ImportJob.objects.exists()
