"""A lead's budget: what the customer said they may spend, in its currency. Typed on the form
or sent to the API, read from an imported file however it is written (12.5万, 1,200,000), shown
on the lead, offered as the deal's amount when it converts, and in the export. An import used
to drop the column."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.activities.services import activity_log
from salesop.core.testing import make_channel, make_lead
from salesop.leads.exports import export_execute
from salesop.leads.jobs import import_start, import_upload
from salesop.leads.models import ExportJob, Lead
from salesop.leads.services import lead_qualify

pytestmark = pytest.mark.django_db


def test_an_imported_budget_is_read_however_it_is_written(org, django_capture_on_commit_callbacks):
    content = (
        "公司名称,联系人,预算,币种\r\n"
        "嘉兴恒通冷链物流有限公司,周经理,12.5万,\r\n"
        'Pacific Rim Foods Ltd.,Tom Lee,"180,000",usd\r\n'
        "合肥新桥食品有限公司,钱总,,\r\n"
        "青岛海润水产有限公司,孙总,面议,\r\n"
        "天津港联供应链有限公司,郑总,500.5,JPY\r\n"
    ).encode("gbk")
    job = import_upload(
        by=org.rep, upload=SimpleUploadedFile("leads.csv", content), channel=make_channel()
    )
    assert {job.mapping["预算"], job.mapping["币种"]} == {"budget", "budget_currency"}
    with django_capture_on_commit_callbacks(execute=True):
        import_start(
            job=job, by=org.rep, mapping=job.mapping, dedupe="skip", all_or_nothing=False,
            dry_run=False,
        )  # fmt: skip
    job.refresh_from_db()
    budgets = {
        lead.company_name: (lead.budget, lead.budget_currency) for lead in Lead.objects.all()
    }
    assert budgets == {
        "嘉兴恒通冷链物流有限公司": (Decimal("125000.00"), "CNY"),
        "Pacific Rim Foods Ltd.": (Decimal("180000.00"), "USD"),
        "合肥新桥食品有限公司": (None, "CNY"),
    }
    assert [(e["row"], e["column"]) for e in job.errors] == [(5, "预算"), (6, "预算")]
    assert "面议" in job.errors[0]["reason"] and "¥1" in job.errors[1]["reason"]


def test_the_api_takes_a_budget_and_refuses_one_finer_than_its_currency(client, org):
    channel = make_channel()
    client.force_login(org.rep)
    body = {"channel_id": channel.pk, "company_name": "X 公司", "budget": "180000.00"}
    made = client.post("/api/v1/leads", {**body, "budget_currency": "USD"}, "application/json")
    assert made.status_code == 201, made.json()
    assert (made.json()["budget"], made.json()["budget_currency"]) == ("180000.00", "USD")
    refused = client.post(
        "/api/v1/leads",
        {**body, "company_name": "Y 公司", "budget": "0.5", "budget_currency": "JPY"},
        "application/json",
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"][-1] == "budget"
    lead = Lead.objects.get(company_name="X 公司")
    patched = client.patch(
        f"/api/v1/leads/{lead.pk}", {"budget_currency": "JPY", "budget": "0.25"}, "application/json"
    )
    assert patched.status_code == 422
    lead.refresh_from_db()
    assert (lead.budget, lead.budget_currency) == (Decimal("180000.00"), "USD")


def test_the_lead_shows_its_budget_offers_it_as_the_deals_amount_and_exports_it(client, org):
    lead = make_lead(org.rep, budget=Decimal("1200000"), budget_currency="CNY")
    activity_log(
        by=org.rep, account=None, lead=lead, kind="call", subject="首次电话", outcome="positive"
    )
    lead.refresh_from_db()
    answers = {"budget": "confirmed", "authority": "decision_maker", "need": "urgent_pain"}
    lead_qualify(lead=lead, by=org.rep, bant={**answers, "timeline": "within_3m"})
    client.force_login(org.rep)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "¥1,200,000.00" in page
    assert 'name="amount" value="1200000.00"' in page
    job = ExportJob.objects.create(created_by=org.rep, fmt="csv", query="")
    export_execute(job)
    job.refresh_from_db()
    rows = list(csv.reader(io.StringIO(job.file.open("rb").read().decode("utf-8-sig"))))
    exported = dict(zip(rows[0], rows[1], strict=True))  # in the rep's language: English
    assert (exported["Budget"], exported["Currency"]) == ("1200000.00", "CNY")
