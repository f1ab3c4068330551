"""Lead import: encodings, mapping, dry run, per-row errors, dedupe modes, all-or-nothing."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.core.errors import DomainError
from salesop.core.spreadsheets import write_xlsx
from salesop.core.testing import make_channel, make_lead
from salesop.leads.jobs import import_start, import_upload
from salesop.leads.models import ImportJob, Lead

pytestmark = pytest.mark.django_db

HEADER = "公司名称,联系人,手机,邮箱,地区\r\n"
ROWS = [
    "嘉兴恒通冷链物流有限公司,周经理,13805710001,zhou@hengtong.cn,浙江",
    "无锡华晨电子科技有限公司,吴工,13905100002,wu@huachen.cn,江苏",
    "合肥新桥食品有限公司,钱总,13705510003,,安徽",
]


def upload(org, content: bytes, name="leads.csv"):
    return import_upload(
        by=org.rep, upload=SimpleUploadedFile(name, content), channel=make_channel()
    )


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Queues the import and runs it as the worker would, then reads its outcome."""

    def run(job, org, **options):
        options.setdefault("mapping", job.mapping)
        options.setdefault("dedupe", "skip")
        options.setdefault("all_or_nothing", True)
        options.setdefault("dry_run", False)
        with django_capture_on_commit_callbacks(execute=True):
            import_start(job=job, by=org.rep, **options)
        job.refresh_from_db()
        return job

    return run


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_chinese_csv_in_any_common_encoding(org, encoding, start):
    content = (HEADER + "\r\n".join(ROWS)).encode(encoding)
    job = upload(org, content)
    assert job.columns == ["公司名称", "联系人", "手机", "邮箱", "地区"]
    assert job.mapping == {
        "公司名称": "company_name",
        "联系人": "contact_name",
        "手机": "phone",
        "邮箱": "email",
        "地区": "region",
    }
    job = start(job, org)
    assert (job.status, job.created_count, job.error_count) == ("done", 3, 0)
    lead = Lead.objects.get(contact_name="周经理")
    assert lead.phone_e164 == "+8613805710001" and lead.channel.name.startswith("行业平台")


def test_dry_run_previews_and_writes_nothing(org, start):
    job = upload(org, (HEADER + "\r\n".join(ROWS)).encode())
    job = start(job, org, dry_run=True)
    assert job.created_count == 3 and len(job.preview) == 3
    assert not Lead.objects.exists()


def test_bad_rows_are_reported_by_row_column_and_reason(org, start):
    bad = [
        ",没有公司,13800000000,,",
        "某公司,张三,12345,,",
        "另一公司,李四,13800000009,not-an-email,",
    ]
    job = upload(org, (HEADER + "\r\n".join(ROWS + bad)).encode())
    job = start(job, org, all_or_nothing=True)
    assert job.status == "failed" and not Lead.objects.exists()  # all or nothing
    errors = {(e["row"], e["column"]) for e in job.errors}
    assert errors == {(5, "公司名称"), (6, "手机"), (7, "邮箱")}
    report = Path(job.error_report.path).read_text(encoding="utf-8-sig")
    assert "6,手机," in report
    job = start(job, org, all_or_nothing=False)
    assert (job.status, job.created_count, job.error_count) == ("done", 3, 3)
    assert Lead.objects.count() == 3


def test_undecodable_bytes_are_a_row_error(org, start):
    content = (HEADER + ROWS[0] + "\r\n").encode() + b"\xff\xfe\xfa bad,x,13800000000,,\r\n"
    job = upload(org, content)
    job = start(job, org, all_or_nothing=False)
    assert job.created_count == 1 and job.errors[0]["row"] == 3
    assert "not utf-8 text" in job.errors[0]["reason"] or "utf-8" in job.errors[0]["reason"]


@pytest.mark.parametrize(
    ("dedupe", "created", "skipped", "merged"),
    [("skip", 2, 1, 0), ("merge", 2, 0, 1), ("create", 3, 0, 0)],
)
def test_dedupe_modes(org, dedupe, created, skipped, merged, start):
    existing = make_lead(org.rep, company="嘉兴恒通", phone="13805710001")
    job = upload(org, (HEADER + "\r\n".join(ROWS)).encode())
    job = start(job, org, dedupe=dedupe)
    assert (job.created_count, job.skipped_count, job.merged_count) == (created, skipped, merged)
    existing.refresh_from_db()
    assert existing.email == ("zhou@hengtong.cn" if dedupe == "merge" else "")
    if dedupe == "merge":  # again: nothing left to fill in, every row counted as skipped
        again = start(upload(org, (HEADER + "\r\n".join(ROWS)).encode()), org, dedupe=dedupe)
        assert (again.created_count, again.skipped_count, again.merged_count) == (0, 3, 0)


def test_xlsx_import(org, tmp_path, start):
    path = tmp_path / "leads.xlsx"
    write_xlsx(
        path,
        ["Company", "Contact", "Phone"],
        [
            ["Pacific Rim Foods Ltd.", "Grace Lee", "+852 9123 4567"],
            ["Blue Harbor Shipping", "Tom", "+44 20 7946 0018"],
        ],
    )
    job = upload(org, path.read_bytes(), name="leads.xlsx")
    job = start(job, org)
    assert job.created_count == 2 and job.total_rows == 2


def test_mapping_problems_and_non_spreadsheets_are_refused(org, start):
    with pytest.raises(DomainError) as refused:
        upload(org, b"\x00\x01\x02binary", name="photo.jpg")
    assert "file" in refused.value.fields
    job = upload(org, (HEADER + ROWS[0]).encode())
    with pytest.raises(DomainError) as refused:
        start(job, org, mapping={"联系人": "contact_name", "手机": "phone"})
    assert "company_name" in refused.value.message
    with pytest.raises(DomainError):
        start(job, org, mapping={"公司名称": "company_name", "联系人": "salary"})
    assert ImportJob.objects.get().status == "pending"


def test_over_the_size_cap_is_refused(org, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError) as refused:
        upload(org, (HEADER + "\r\n".join(ROWS * 5)).encode())
    assert refused.value.code == "too_large"


def test_import_wizard_pages_and_export(client, org, start, django_capture_on_commit_callbacks):
    channel = make_channel()
    client.force_login(org.rep)
    content = HEADER + "\r\n".join([*ROWS, '=HYPERLINK("http://x"),@evil,13800000001,,'])
    response = client.post(
        "/leads/import/",
        {"channel": channel.pk, "file": SimpleUploadedFile("leads.csv", content.encode())},
    )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/leads/import/{job.pk}/"
    page = client.get(f"/leads/import/{job.pk}/").content.decode()
    assert "公司名称" in page and 'value="company_name" selected' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/leads/import/{job.pk}/",
            {
                "map_0": "company_name",
                "map_1": "contact_name",
                "map_2": "phone",
                "map_3": "email",
                "map_4": "region",
                "dedupe": "skip",
                "mode": "valid_only",
            },
        )
    progress = client.get(f"/leads/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="import-created">4<' in progress
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/leads/export.csv")
    job_page = client.get(started["Location"]).content.decode()
    assert 'data-testid="export-download"' in job_page
    download = client.get(started["Location"] + "download/")
    csv_body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_body and ",'@evil," in csv_body
    from io import BytesIO

    from openpyxl import load_workbook

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/leads/export.xlsx")
    xlsx = b"".join(client.get(started["Location"] + "download/").streaming_content)
    book = load_workbook(BytesIO(xlsx))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert any(c.value == '\'=HYPERLINK("http://x")' for c in cells)
    client.force_login(org.teammate)
    assert client.get(started["Location"]).status_code == 404
    client.force_login(org.teammate)
    assert client.get(f"/leads/import/{job.pk}/").status_code == 404


@pytest.mark.process
def test_cli_import_with_progress(tmp_path):
    import os
    import secrets
    import subprocess
    import sys

    salesop = str(Path(sys.executable).with_name("salesop"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESOP_", "DJANGO_"))}
    # English: the messages the assertions read
    env.update(
        SALESOP_DATA_DIR=str(tmp_path),
        SALESOP_SECRET_KEY=secrets.token_urlsafe(50),
        SALESOP_LANGUAGE="en",
    )
    data = tmp_path / "leads.csv"
    # the demo's pool holds these people and companies: other numbers and names, so they are new
    rows = [
        r.replace(",138", ",158").replace(",139", ",159").replace(",137", ",157")
        for r in (row.replace("有限公司", "贸易有限公司", 1) for row in ROWS)
    ]
    data.write_bytes((HEADER + "\r\n".join([*rows, ",无公司,13800000000,,"])).encode("gbk"))

    def run(*args):
        return subprocess.run(
            [salesop, *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert run("demo", "--no-serve").returncode == 0
    base = ["import", "leads", str(data), "--channel", "展会 Trade show", "--user", "rep"]
    assert "no channel named" in run(*base).stderr
    base[4] = "物流展 Logistics trade show"
    strict = run(*base)
    assert strict.returncode == 1 and "row 5, 公司名称" in strict.stdout
    loose = run(*base, "--valid-only")
    assert loose.returncode == 0 and "created 3" in loose.stdout and "4/4 rows" in loose.stderr
    assert "Columns: 公司名称 → company_name" in loose.stderr  # the mapping it guessed, shown

    # A CRM export in English: sector and office_location recognised, head counts banded,
    # --map adding a column to the guesses (it replaced them), a wrong field listing the right
    history = tmp_path / "pipeline.csv"
    history.write_text(
        "account,sector,office_location,employees,sales_agent,close_value,deal_stage,"
        "engage_date,close_date\r\n"
        'Cheapfix Ltd,technolgy,Shanghai,"4,320",Ghost Agent,1054,won,2023-01-01,2023-03-01\r\n'
        "Betasoloin,medical,Beijing,850,Ghost Agent,0,lost,2023-02-01,2023-04-01\r\n",
        encoding="utf-8",
    )
    deals = ["import", "deals", str(history), "--user", "ops", "--create-owners"]
    wrong = run(*deals, "--map", "sales_agent=agent")
    assert wrong.returncode != 0 and "'agent'" in wrong.stderr and "owner" in wrong.stderr
    mapped = [
        "--map", "sales_agent=owner", "--map", "close_value=amount", "--map", "deal_stage=outcome",
        "--map", "engage_date=created", "--map", "close_date=closed",
    ]  # fmt: skip
    done = run(*deals, *mapped)
    assert done.returncode == 0 and "created 2" in done.stdout, (done.stdout, done.stderr)
    assert "sector → industry" in done.stderr and "office_location → region" in done.stderr
    assert "employees → employee_band" in done.stderr and "account → company" in done.stderr
    again = run(*deals, *mapped)  # the same file twice: nothing new
    assert "created 0" in again.stdout and "skipped 2" in again.stdout
    trained = run("train")  # the demo's imported history gives the profile evidence
    assert trained.returncode == 0 and "ICP:" in trained.stdout and "AUC" in trained.stdout


def test_mapping_is_remembered_for_the_next_file_with_the_same_columns(org, start):
    content = b"Firma,Person,Handy\r\nAcme,Jo,13800001111\r\n"
    job = upload(org, content)
    assert job.mapping == {}  # nothing guessed from these headers
    start(job, org, mapping={"Firma": "company_name", "Person": "contact_name", "Handy": "phone"})
    again = upload(org, (b"Handy,Firma,Person\r\n13800002222,Beta,Li\r\n"))
    assert again.mapping == {"Firma": "company_name", "Person": "contact_name", "Handy": "phone"}


def test_a_remembered_mapping_is_its_owners_and_a_dry_run_remembers_none(org, start):
    """One person's mapping silently remapped another team's files with the same columns
    (their emails landing in notes), and a dry run's trial mapping was kept."""
    content = b"company,contact,phone,email\r\nAcme,Jo,13800001111,jo@acme.cn\r\n"
    guessed = upload(org, content).mapping
    trial = {"company": "company_name", "contact": "title", "email": "notes"}
    start(upload(org, content), org, mapping=trial, dry_run=True)
    assert upload(org, content).mapping == guessed  # the trial was not kept
    start(upload(org, content), org, mapping=trial)
    assert upload(org, content).mapping == trial  # the rep's own next file
    theirs = import_upload(
        by=org.other_manager, upload=SimpleUploadedFile("l.csv", content), channel=make_channel()
    )
    assert theirs.mapping == guessed


# Who may import what (issue 20) ---------------------------------------------------------------

HISTORY = (
    "客户名称,负责人,金额,阶段,结果,开始日期,成交日期\r\n"
    "上海云仓物流有限公司,outsider,9999999,签约,赢单,2024-01-05,2024-03-01\r\n"
)


def test_a_rep_cannot_bring_in_won_deals_from_the_page_or_the_service(client, org):
    """History is closed deals of any amount for any owner, through no gate: sales ops only."""
    client.force_login(org.rep)
    assert 'value="deals"' not in client.get("/leads/import/").content.decode()
    page = client.post(
        "/leads/import/",
        {"kind": "deals", "file": SimpleUploadedFile("history.csv", HISTORY.encode())},
    )
    assert page.status_code == 200 and "deals" in page.content.decode()  # the form says so
    with pytest.raises(DomainError) as refused:
        import_upload(
            by=org.rep,
            upload=SimpleUploadedFile("history.csv", HISTORY.encode()),
            channel=None,
            kind="deals",
        )
    assert refused.value.code == "forbidden" and "销售运营" in refused.value.message
    # a job sales ops uploaded cannot be started by a rep either
    job = import_upload(
        by=org.ops,
        upload=SimpleUploadedFile("history.csv", HISTORY.encode()),
        channel=None,
        kind="deals",
    )
    with pytest.raises(DomainError):
        import_start(
            job=job,
            by=org.rep,
            mapping=job.mapping,
            dedupe="skip",
            all_or_nothing=True,
            dry_run=False,
        )
    from salesop.deals.models import Deal

    assert ImportJob.objects.filter(created_by=org.rep).count() == 0 and not Deal.objects.exists()


def test_a_rep_names_only_themselves_and_dedupes_only_against_what_they_see(org, start):
    """A file naming another team's rep is refused on that row; another team's leads with the
    same phones are neither reported as duplicates nor merged into (their data untouched)."""
    north = [
        make_lead(org.outsider, company="北方甲公司", phone="13805710001"),
        make_lead(org.outsider, company="北方乙公司", phone="13905100002"),
    ]
    header = "公司名称,联系人,手机,负责人\r\n"
    skipped = start(
        upload(org, (header + "嘉兴恒通冷链物流有限公司,周经理,13805710001,").encode()), org
    )
    assert (skipped.created_count, skipped.skipped_count) == (1, 0)  # nothing said of theirs
    rows = ["无锡华晨电子科技有限公司,吴工,13905100002,", "合肥新桥食品有限公司,钱总,,outsider"]
    job = upload(org, (header + "\r\n".join(rows)).encode())
    assert job.mapping["负责人"] == "owner"
    job = start(job, org, dedupe="merge", all_or_nothing=False)
    assert (job.created_count, job.merged_count, job.skipped_count) == (1, 0, 0)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "负责人")]
    for lead in north:
        now = Lead.objects.get(pk=lead.pk)
        assert (now.version, now.company_name, now.contact_name) == (
            lead.version,
            lead.company_name,
            "王经理",
        )
    assert set(Lead.objects.filter(owner=org.rep).values_list("company_name", flat=True)) == {
        "嘉兴恒通冷链物流有限公司",
        "无锡华晨电子科技有限公司",
    }


def test_row_errors_and_their_report_are_in_the_importers_language(org, start):
    """Emily reads English: her import's errors were in the company's Chinese."""
    org.rep.language = "en"
    org.rep.save(update_fields=["language"])
    content = "公司名称,联系人,邮箱\r\n上海云仓物流有限公司,王芳,not-an-email\r\n".encode()
    job = start(upload(org, content), org, all_or_nothing=False)
    assert "not an email address" in job.errors[0]["reason"], job.errors
    report = job.error_report.read().decode("utf-8-sig")
    assert report.startswith("row,column,reason")


def test_a_manager_names_an_owner_by_full_name_as_other_imports_do(
    org, django_capture_on_commit_callbacks
):
    content = "公司名称,联系人,负责人\r\n上海云仓物流有限公司,王芳,emily chen\r\n".encode()
    job = import_upload(
        by=org.manager, upload=SimpleUploadedFile("l.csv", content), channel=make_channel()
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_start(
            job=job, by=org.manager, mapping=job.mapping, dedupe="skip", all_or_nothing=True,
            dry_run=False,
        )  # fmt: skip
    job.refresh_from_db()
    assert (job.created_count, job.errors) == (1, [])
    assert Lead.objects.get().owner == org.teammate


def test_a_dry_run_says_what_all_or_nothing_would_do_and_is_marked_among_earlier_imports(
    client, org, start
):
    content = (HEADER + "\r\n".join([*ROWS, ",无公司,13800000000,,"])).encode()
    job = start(upload(org, content), org, dry_run=True)
    client.force_login(org.rep)
    page = client.get(f"/leads/import/{job.pk}/").content.decode()
    assert "将新建" in page and "全部或全不导入将不会导入任何行" in page
    real = start(upload(org, content), org, all_or_nothing=False)
    page = client.get(f"/leads/import/{real.pk}/").content.decode()
    assert "已新建" in page and "创建时间" not in page  # a count, not a time
    listed = client.get("/leads/import/").content.decode()
    assert listed.count('bg-secondary-lt">试运行<') == 1


def test_legal_is_not_offered_a_lead_import_and_is_refused_one(client, org):
    """Leads are imported by those who work them; legal owning a pool of leads serves nobody."""
    client.force_login(org.legal)
    assert 'value="leads"' not in client.get("/leads/import/").content.decode()
    with pytest.raises(DomainError) as refused:
        import_upload(
            by=org.legal, upload=SimpleUploadedFile("l.csv", HEADER.encode() + b"x,y,,,"),
            channel=make_channel(),
        )  # fmt: skip
    assert refused.value.code == "forbidden"
