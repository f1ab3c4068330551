"""Imports through the API: a file posted with its options runs in the background and is polled
for its counts, errors and error report; the page's rules hold (history deals only by sales
operations, nothing written when refused; another rep's import not found); a refused mapping
leaves no import behind."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from salesop.accounts.services import api_token_create
from salesop.core.testing import make_channel
from salesop.customers.models import Account
from salesop.deals.models import Deal
from salesop.leads.models import ImportJob, Lead

pytestmark = pytest.mark.django_db

LEADS = (
    "公司名称,联系人,手机,说明\r\n"
    "嘉兴恒通冷链物流有限公司,周经理,13805710001,展会上认识\r\n"
    ",吴工,13905100002,\r\n"
    "合肥新桥食品有限公司,钱总,13705510003,老客户介绍\r\n"
).encode()
HISTORY = (
    "客户名称,负责人,合同金额,结果,开始日期,成交日期\r\n"
    "上海云仓物流有限公司,outsider,9000000,赢单,2024-01-05,2024-03-01\r\n"
).encode()


def api_client(user) -> Client:
    """Signed by a personal API token, as a script is."""
    _token, secret = api_token_create(user=user, name="import script")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def post_import(client, content: bytes, name="leads.csv", **fields):
    return client.post("/api/v1/imports", {"file": SimpleUploadedFile(name, content), **fields})


def test_an_import_is_posted_polled_and_its_errors_fetched(org, django_capture_on_commit_callbacks):
    client = api_client(org.rep)
    channel = make_channel()
    with django_capture_on_commit_callbacks(execute=True):
        created = post_import(
            client, LEADS, kind="leads", channel_id=channel.pk, valid_only="true",
            mapping=json.dumps({"说明": "notes"}),  # over the guessed columns
        )  # fmt: skip
    assert created.status_code == 201, created.content
    job = created.json()
    assert (job["kind"], job["status"], job["all_or_nothing"]) == ("leads", "queued", False)
    assert job["mapping"] == {
        "公司名称": "company_name", "联系人": "contact_name", "手机": "phone", "说明": "notes",
    }  # fmt: skip

    polled = client.get(f"/api/v1/imports/{job['id']}")
    assert polled.status_code == 200
    job = polled.json()
    assert (job["status"], job["created"], job["error_rows"], job["processed_rows"]) == (
        "done", 2, 1, 3,
    )  # fmt: skip
    assert job["errors"] == [{"row": 3, "column": "公司名称", "reason": "公司为空"}]
    assert job["resumable"] is False
    assert Lead.objects.get(company_name="合肥新桥食品有限公司").notes == "老客户介绍"
    report = client.get(job["error_report"])
    assert report.status_code == 200 and report["Content-Type"] == "text/csv"
    assert "3,公司名称,公司为空" in b"".join(report.streaming_content).decode("utf-8-sig")

    operations = client.get("/api/v1/openapi.json").json()["paths"]
    body = operations["/api/v1/imports"]["post"]["requestBody"]["content"]
    assert set(body["multipart/form-data"]["schema"]["properties"]) >= {
        "file", "kind", "mapping", "value_map", "dedupe", "valid_only", "dry_run",
        "date_order", "channel_id", "create_owners",
    }  # fmt: skip


def test_a_rep_importing_history_is_refused_with_nothing_written(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused = post_import(
            api_client(org.rep), HISTORY, "history.csv", kind="deals", create_owners="true"
        )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert "销售运营" in refused.json()["detail"]
    assert not ImportJob.objects.exists() and not Deal.objects.exists()
    assert not Account.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = post_import(api_client(org.ops), HISTORY, "history.csv", kind="deals")
    assert done.status_code == 201, done.content
    assert ImportJob.objects.get().created_count == 1 and Deal.objects.get().status == "won"


def test_another_reps_import_is_not_found(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = post_import(
            api_client(org.rep), LEADS, kind="leads", channel_id=make_channel().pk,
            valid_only="true",
        ).json()["id"]  # fmt: skip
    teammate = api_client(org.teammate)
    for answer in (
        teammate.get(f"/api/v1/imports/{job_id}"),
        teammate.get(f"/api/v1/imports/{job_id}/errors.csv"),
        teammate.post(f"/api/v1/imports/{job_id}/resume"),
    ):
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert api_client(org.ops).get(f"/api/v1/imports/{job_id}").status_code == 200


def test_a_refused_mapping_or_option_leaves_no_import(org):
    client = api_client(org.rep)
    channel = make_channel()
    wrong = post_import(
        client, LEADS, kind="leads", channel_id=channel.pk, mapping='{"无此列": "phone"}'
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "mapping"
    assert "无此列" in wrong.json()["detail"]
    not_json = post_import(client, LEADS, kind="leads", channel_id=channel.pk, mapping="[1")
    assert not_json.status_code == 422
    assert not_json.json()["errors"][0]["loc"] == ["body", "mapping"]
    values = post_import(
        client, LEADS, kind="leads", channel_id=channel.pk,
        value_map=json.dumps({"stage": {"Prospecting": "discovery"}}),
    )  # fmt: skip
    assert values.status_code == 422 and values.json()["code"] == "value_map"
    no_channel = post_import(client, LEADS, kind="leads")
    assert no_channel.status_code == 422 and no_channel.json()["code"] == "channel"
    no_file = client.post("/api/v1/imports", {"kind": "leads", "channel_id": channel.pk})
    assert no_file.status_code == 422 and no_file.json()["code"] == "file"
    assert not ImportJob.objects.exists() and not Lead.objects.exists()
