"""Importing companies: a merge fills a company as its edit form would (checked, audited) and
only one the importer sees; a website is a web address, as the form requires."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.core.testing import make_account
from salesop.customers.models import Account
from salesop.leads.jobs import import_start, import_upload

pytestmark = pytest.mark.django_db


def _run(by, content, capture, **options):
    job = import_upload(
        by=by, upload=SimpleUploadedFile("a.csv", content.encode()), channel=None, kind="accounts"
    )
    with capture(execute=True):
        import_start(
            job=job, by=by, mapping=job.mapping, all_or_nothing=False, dry_run=False, **options
        )
    job.refresh_from_db()
    return job


def test_a_merge_fills_only_companies_the_importer_sees(org, django_capture_on_commit_callbacks):
    theirs = make_account(org.outsider, "北京星河科技有限公司")
    mine = make_account(org.rep, "上海云仓物流有限公司")
    content = (
        "Company,Sector,Website\r\n"
        "北京星河科技（有限公司）,软件,xinghe.cn\r\n"
        "上海云仓物流有限公司,物流,www.yuncang.cn\r\n"
    )
    job = _run(org.rep, content, django_capture_on_commit_callbacks, dedupe="merge")
    assert (job.merged_count, job.created_count) == (1, 0)
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "Company")]
    assert "请联系销售运营共享" in job.errors[0]["reason"]  # as the company form says it
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.industry, theirs.website) == ("", "")
    assert (mine.industry, mine.website) == ("物流", "https://www.yuncang.cn")
    entry = LogEntry.objects.get_for_object(mine).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == org.rep
    # again: nothing left to fill in is skipped, and another team's company is still refused
    again = _run(org.rep, content, django_capture_on_commit_callbacks, dedupe="merge")
    assert (again.merged_count, again.skipped_count, again.error_count) == (0, 1, 1)
    skipped = _run(org.rep, content, django_capture_on_commit_callbacks, dedupe="skip")
    assert (skipped.skipped_count, skipped.error_count) == (1, 1)


def test_a_website_that_is_not_a_web_address_is_refused(org, django_capture_on_commit_callbacks):
    """A javascript: address became a link on the company's page."""
    content = "Company,Website\r\n甲公司,javascript:alert(1)\r\n乙公司,https://yi.example.com\r\n"
    job = _run(org.ops, content, django_capture_on_commit_callbacks, dedupe="skip")
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "Website")]
    assert "javascript:alert(1)" in job.errors[0]["reason"]
    assert list(Account.objects.values_list("name", "website")) == [
        ("乙公司", "https://yi.example.com")
    ]
