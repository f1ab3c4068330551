"""Importing a call and meeting log: each activity on a company the importer sees, at the time
the file says in the company's zone, by a person the importer sees, on the company's deal when
one is named; the same file again creates nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.activities.models import Activity
from salesop.core.testing import make_account, make_deal
from salesop.leads.imports import import_execute
from salesop.leads.jobs import import_start, import_upload

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

LOG = (
    "公司名称,跟进方式,主题,跟进时间,时长,跟进结果,跟进人,商机名称,跟进内容\r\n"
    "上海云仓物流有限公司,电话,首次沟通,2024-03-01 14:30,25,积极,张伟,,聊了仓储痛点\r\n"
    "上海云仓物流（有限公司）,Onsite,方案演示,2024-03-08,90,,,仓储系统升级,\r\n"
    "北京星河科技有限公司,拜访,拜访,2024-03-09,60,,,,\r\n"
    "上海云仓物流有限公司,传真,,2024-03-10,,,,,\r\n"
    "上海云仓物流有限公司,电话,,2099-01-01,,,,,\r\n"
    "上海云仓物流有限公司,电话,,2024-03-11 25:00,abc,,刘洋,,\r\n"
)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def go(by, content, **options):
        job = import_upload(
            by=by, upload=SimpleUploadedFile("log.csv", content.encode()), channel=None,
            kind="activities",
        )  # fmt: skip
        options.setdefault("all_or_nothing", False)
        options.setdefault("dry_run", False)
        options.setdefault("value_map", {"kind": {"Onsite": "visit"}})
        with django_capture_on_commit_callbacks(execute=True):
            import_start(job=job, by=by, mapping=job.mapping, dedupe="skip", **options)
        job.refresh_from_db()
        return job

    return go


def test_a_call_log_comes_in_at_its_own_times_once(org, run):
    yuncang = make_account(org.rep, "上海云仓物流有限公司")
    deal = make_deal(org.rep, yuncang, name="仓储系统升级")
    make_account(org.outsider, "北京星河科技有限公司")  # another team's

    job = run(org.rep, LOG)

    assert (job.status, job.created_count) == ("done", 2), job.errors
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (4, "公司名称"),  # another team's company
        (5, "跟进方式"),  # fax: not one of ours, not mapped
        (6, "跟进时间"),  # in the future
        (7, "跟进时间"),  # 25:00
        (7, "时长"),
        (7, "跟进人"),  # someone the rep does not see
    ]
    assert "传真" in job.errors[1]["reason"] and "刘洋" in job.errors[5]["reason"]
    call, visit = Activity.objects.order_by("occurred_at")
    assert (call.kind, call.subject, call.outcome, call.by) == (
        "call",
        "首次沟通",
        "positive",
        org.rep,
    )
    assert call.occurred_at == datetime(2024, 3, 1, 14, 30, tzinfo=SHANGHAI)
    assert (call.duration_minutes, call.notes, call.deal) == (25, "聊了仓储痛点", None)
    assert (visit.kind, visit.deal, visit.account) == ("visit", deal, yuncang)
    assert visit.occurred_at == datetime(2024, 3, 8, 12, tzinfo=SHANGHAI)  # a day alone: noon

    again = run(org.rep, LOG)
    assert (again.created_count, again.skipped_count) == (0, 2)
    assert Activity.objects.count() == 2


def test_a_dry_run_counts_and_writes_nothing(org, run):
    make_deal(org.rep, make_account(org.rep, "上海云仓物流有限公司"), name="仓储系统升级")
    job = run(org.rep, LOG, dry_run=True)
    assert job.created_count == 2
    assert not Activity.objects.exists()


def test_an_activity_names_its_past_deal_by_the_history_files_id(org, run):
    history = (
        "Opportunity ID,Company,Owner,Outcome,Created,Closed,Amount\r\n"
        "1C1I7A6R,Acme Co. Ltd,rep,won,2024-01-10,2024-02-20,1200000\r\n"
    )
    job = import_upload(
        by=org.ops, upload=SimpleUploadedFile("h.csv", history.encode()), channel=None,
        kind="deals",
    )  # fmt: skip
    assert import_execute(job).created_count == 1
    log = "Opportunity ID,Account,Type,Date\r\n1C1I7A6R,ACME CO LTD,Meeting,2024-02-01\r\n"
    job = run(org.ops, log)
    assert job.created_count == 1, job.errors
    meeting = Activity.objects.get()
    assert (meeting.kind, meeting.deal.import_key is not None) == ("meeting", True)
