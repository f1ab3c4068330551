"""Importing the people at companies (a CRM's contact export): each at a company the importer
sees, the same person (email or phone) never twice, their buying role read in either language
or as mapped; another team's company or person refused at its row."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.core.testing import make_account
from salesop.customers.models import Contact
from salesop.leads.jobs import import_start, import_upload

pytestmark = pytest.mark.django_db

FILE = (
    "公司名称,联系人,职位,手机,邮箱,决策角色\r\n"
    "上海云仓物流有限公司,王芳,采购总监,13812345678,wang.fang@yuncang.cn,决策者\r\n"
    "上海云仓物流（有限公司）,Li Na,IT Manager,13912345678,,CEO\r\n"
    "北京星河科技有限公司,赵磊,CTO,,zhao@xinghe.cn,\r\n"
    "上海云仓物流有限公司,王芳（重复）,,13812345678,,\r\n"
)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def go(by, content, **options):
        job = import_upload(
            by=by, upload=SimpleUploadedFile("c.csv", content.encode()), channel=None,
            kind="contacts",
        )  # fmt: skip
        options.setdefault("all_or_nothing", False)
        options.setdefault("dry_run", False)
        options.setdefault("dedupe", "skip")
        options.setdefault("value_map", {"decision_role": {"CEO": "decision_maker"}})
        with django_capture_on_commit_callbacks(execute=True):
            import_start(job=job, by=by, mapping=job.mapping, **options)
        job.refresh_from_db()
        return job

    return go


def test_contacts_come_in_once_at_the_companies_the_importer_sees(org, run):
    yuncang = make_account(org.rep, "上海云仓物流有限公司")
    make_account(org.outsider, "北京星河科技有限公司")  # another team's company

    job = run(org.rep, FILE)

    assert (job.status, job.created_count, job.skipped_count) == ("done", 2, 1), job.errors
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "公司名称")]
    assert "北京星河科技有限公司" in job.errors[0]["reason"]
    people = {c.name: c for c in Contact.objects.all()}
    assert set(people) == {"王芳", "Li Na"}
    assert people["王芳"].account == people["Li Na"].account == yuncang
    assert (people["王芳"].title, people["王芳"].decision_role) == ("采购总监", "decision_maker")
    assert people["Li Na"].decision_role == "decision_maker"  # CEO, as mapped
    assert LogEntry.objects.get_for_object(people["王芳"]).get().actor == org.rep

    again = run(org.rep, FILE)
    assert (again.created_count, again.skipped_count) == (0, 3)
    assert Contact.objects.count() == 2


def test_a_merge_fills_what_the_contact_lacks_and_a_bad_cell_names_its_value(org, run):
    account = make_account(org.rep, "上海云仓物流有限公司")
    Contact.objects.create(account=account, name="王芳", phone_e164="+8613812345678",
                           phone="13812345678")  # fmt: skip
    content = (
        "Company,Name,Title,Mobile,Email,Role\r\n"
        "上海云仓物流有限公司,王芳,采购总监,13812345678,,Influencer\r\n"
        "上海云仓物流有限公司,Bad Mail,,,not-an-email,\r\n"
        "上海云仓物流有限公司,Unknown Role,,,,Sponsor\r\n"
    )
    job = run(org.rep, content, dedupe="merge")
    assert (job.created_count, job.merged_count) == (0, 1)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "Email"), (4, "Role")]
    assert "not-an-email" in job.errors[0]["reason"]
    assert "Sponsor" in job.errors[1]["reason"] and "influencer" in job.errors[1]["reason"]
    wang = Contact.objects.get(name="王芳")
    assert (wang.title, wang.decision_role) == ("采购总监", "influencer")
    merged = LogEntry.objects.get_for_object(wang).get(action=LogEntry.Action.UPDATE)
    assert (merged.actor, merged.changes_dict["title"]) == (org.rep, ["", "采购总监"])


def test_a_person_another_team_holds_is_refused_not_merged(org, run):
    """A merge compares only with the contacts the importer sees: another team's person is
    refused as the contact form refuses them, and left as they were."""
    theirs = make_account(org.outsider, "北京星河科技有限公司")
    Contact.objects.create(account=theirs, name="赵磊", phone="13700000000",
                           phone_e164="+8613700000000")  # fmt: skip
    make_account(org.rep, "上海云仓物流有限公司")
    content = "Company,Name,Title,Mobile\r\n上海云仓物流有限公司,赵磊,CTO,13700000000\r\n"
    job = run(org.rep, content, dedupe="merge")
    assert (job.created_count, job.merged_count) == (0, 0)
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "Mobile")]
    assert Contact.objects.get(name="赵磊").title == ""


def test_a_dry_run_counts_and_writes_nothing(org, run):
    make_account(org.rep, "上海云仓物流有限公司")
    job = run(org.rep, FILE, dry_run=True)
    assert job.created_count == 2
    assert not Contact.objects.exists()
