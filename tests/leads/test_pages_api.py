"""Lead pages and API: list with filters and score sort, the lead page with its score
breakdown, and the whole path from a new lead to a deal through the pages."""

import pytest
from django.test import Client

from salesop.activities.services import activity_log
from salesop.core.testing import make_channel, make_lead, timeline_of
from salesop.leads.models import ExportJob, Lead

pytestmark = pytest.mark.django_db


def test_lead_walk_through_the_pages(client, org):
    channel = make_channel("展会 Trade show", kind="trade_show", category="offline")
    client.force_login(org.rep)
    client.post(
        "/leads/new/",
        {
            "channel": channel.pk,
            "company_name": "天津渤海医药连锁有限公司",
            "contact_name": "李总",
            "phone": "13900002222",
        },
    )
    lead = Lead.objects.get()
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "天津渤海医药" in page and "disabled" in page  # no grading before a first contact
    first = client.post(
        f"/activities/lead/{lead.pk}/log/",
        {"kind": "call", "subject": "首次电话", "outcome": "positive", "duration_minutes": "15"},
        HTTP_HX_REQUEST="true",
    )
    assert first["HX-Refresh"] == "true"  # grading opens without the rep reloading the page
    again = client.post(
        f"/activities/lead/{lead.pk}/log/",
        {"kind": "email", "subject": "发资料", "outcome": "neutral", "duration_minutes": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert again.status_code == 200 and "HX-Refresh" not in again
    client.post(
        f"/leads/{lead.pk}/qualify/",
        {
            "bant_budget": "confirmed",
            "bant_authority": "decision_maker",
            "bant_need": "clear_need",
            "bant_timeline": "within_3m",
            "pain_tags": "合规, 库存周转",
        },
    )
    lead.refresh_from_db()
    assert (lead.status, lead.grade, lead.pain_tags) == ("qualified", "A", ["合规", "库存周转"])
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'data-testid="score-breakdown"' in html and "100 × 30% = 30.0" in html
    response = client.post(
        f"/leads/{lead.pk}/convert/",
        {"deal_name": "门店系统", "currency": "CNY", "amount": "560000"},
    )
    lead.refresh_from_db()
    assert lead.status == "converted" and response["Location"] == f"/deals/{lead.deal_id}/"


def test_list_filters_sort_and_query_count(client, org, django_assert_max_num_queries):
    for i in range(30):
        make_lead(org.rep, company=f"公司{i:02d}", phone=f"1380000{i:04d}")
    Lead.objects.filter(company_name__in=["公司03", "公司17"]).update(score=90, grade="A")
    client.force_login(org.rep)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/leads?sort=score").json()
    assert [item["company_name"] for item in body["items"]] == ["公司17", "公司03"]
    assert client.get("/api/v1/leads?grade=A").json()["items"][0]["grade"] == "A"
    by_phone = client.get("/api/v1/leads?q=13800000017").json()["items"]
    assert [item["company_name"] for item in by_phone] == ["公司17"]
    with django_assert_max_num_queries(12):
        page = client.get("/leads/?grade=A").content.decode()
    assert "公司03" in page and "公司05" not in page


def test_search_finds_a_phone_by_its_beginning_however_it_is_typed(client, org):
    make_lead(org.rep, company="上海远航物流有限公司", phone="138 0013 8000")
    make_lead(org.rep, company="北京启明科技有限公司", phone="021-5555 0138")
    make_lead(org.rep, company="3721 网络", phone="13912345678")
    client.force_login(org.rep)

    def found(q):
        items = client.get("/api/v1/leads", {"q": q}).json()["items"]
        return sorted(item["company_name"] for item in items)

    assert (
        found("1380013") == found("138 0013") == found("+86 138-0013") == ["上海远航物流有限公司"]
    )
    assert found("8613800") == ["上海远航物流有限公司"]
    assert found("021 5555") == ["北京启明科技有限公司"]  # the trunk 0 is not in E.164
    assert found("0013 8000") == []  # the middle of a number is not its beginning
    assert found("3721 网络") == ["3721 网络"]  # words with digits search names


def test_api_create_refuses_a_duplicate_and_names_the_field(client, org):
    channel = make_channel()
    client.force_login(org.rep)
    body = {"channel_id": channel.pk, "company_name": "X 公司", "email": "a@b.cn"}
    assert client.post("/api/v1/leads", body, content_type="application/json").status_code == 201
    again = client.post(
        "/api/v1/leads", {**body, "company_name": "Y 公司"}, content_type="application/json"
    )
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["body", "email"]
    bad = client.post(
        "/api/v1/leads", {**body, "email": "not-an-email"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "email"


def test_api_qualify_score_and_convert(client, org):
    lead = make_lead(org.rep)
    client.force_login(org.rep)
    early = client.post(
        f"/api/v1/leads/{lead.pk}/qualify",
        {"bant": {"budget": "confirmed"}},
        content_type="application/json",
    )
    assert early.status_code == 422 and early.json()["code"] == "not_contacted"
    activity_log(
        by=org.rep, account=None, lead=lead, kind="email", subject="介绍", outcome="neutral"
    )
    score = client.post(
        f"/api/v1/leads/{lead.pk}/qualify",
        {
            "bant": {
                "budget": "range",
                "authority": "influencer",
                "need": "clear_need",
                "timeline": "within_6m",
            }
        },
        content_type="application/json",
    ).json()
    assert (score["total"], score["grade"]) == (65, "B")
    assert client.get(f"/api/v1/leads/{lead.pk}/score").json()["total"] == 65
    deal = client.post(
        f"/api/v1/leads/{lead.pk}/convert", {"deal_name": "MES"}, content_type="application/json"
    )
    assert deal.status_code == 201 and deal.json()["stage"] == "discovery"


def test_foreign_lead_is_404(client, org):
    lead = make_lead(org.outsider)
    client.force_login(org.rep)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client.get(f"/api/v1/leads/{lead.pk}").status_code == 404
    assert (
        client.post(
            f"/api/v1/leads/{lead.pk}/disqualify",
            {"reason": "fake"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.post(f"/activities/lead/{lead.pk}/log/", {}).status_code == 404
    assert client.get("/api/v1/leads").json()["items"] == []


def test_channels_page_and_spend_for_ops(client, org):
    channel = make_channel()
    client.force_login(org.ops)
    client.post(
        f"/leads/channels/{channel.pk}/", {"month": "2026-10", "amount": "12000", "currency": "CNY"}
    )
    assert channel.spend.get().amount == 12000
    rotated = client.post(f"/leads/channels/{channel.pk}/", {"rotate_key": "1"}).content.decode()
    assert 'data-testid="intake-key">sik_' in rotated
    client.force_login(org.rep)
    assert client.post(f"/leads/channels/{channel.pk}/", {"rotate_key": "1"}).status_code == 403
    assert "行业平台" in client.get("/leads/channels/").content.decode()


def test_export_runs_in_the_background_with_only_visible_filtered_leads(
    client, org, django_capture_on_commit_callbacks
):
    mine = make_lead(org.rep, company="我的A公司", phone="13600000001")
    make_lead(org.rep, company="我的B公司", phone="13600000002")
    make_lead(org.outsider, company="别人的公司", phone="13600000003")
    Lead.objects.filter(pk=mine.pk).update(grade="A")
    client.force_login(org.rep)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/leads/export.csv?grade=A")
    body = b"".join(client.get(started["Location"] + "download/").streaming_content)
    text = body.decode("utf-8-sig")
    assert "我的A公司" in text and "我的B公司" not in text and "别人的公司" not in text
    assert client.post("/leads/export.pdf").status_code == 302  # refused, back to the list


def test_an_export_starts_only_from_a_post_and_one_at_a_time(
    client, org, django_capture_on_commit_callbacks
):
    # a plain GET started one (30 jobs in 0.3 s, and from a link on any site)
    make_lead(org.rep)
    client.force_login(org.rep)
    assert client.get("/leads/export.xlsx").status_code == 405
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not run it yet
        started = client.post("/leads/export.xlsx")
    job = ExportJob.objects.get()
    assert started["Location"] == f"/leads/exports/{job.pk}/"
    again = client.post("/leads/export.csv", follow=True)
    assert ExportJob.objects.count() == 1 and str(job.pk) in again.content.decode()
    ExportJob.objects.filter(pk=job.pk).update(status="done")
    assert client.post("/leads/export.csv").status_code == 302
    assert ExportJob.objects.count() == 2
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(org.rep)
    assert csrf.post("/leads/export.csv").status_code == 403


def test_lead_history_speaks_the_playbooks_status_names(client, org):
    lead = make_lead(org.rep)
    activity_log(
        by=org.rep, account=None, lead=lead, kind="call", subject="电话", outcome="neutral"
    )
    client.force_login(org.rep)
    assert "状态：新线索 → 已联系" in timeline_of(client, lead)


def test_search_finds_names_by_any_part_and_follows_renames(client, org):
    from salesop.leads.models import Lead

    shanghai = make_lead(org.rep, company="上海云图教育科技有限公司", contact_name="王敏")
    make_lead(org.rep, company="Northwind Logistics Ltd", contact_name="Emily Chen")
    client.force_login(org.rep)

    def found(q):
        items = client.get("/api/v1/leads", {"q": q}).json()["items"]
        return sorted(item["company_name"] for item in items)

    assert found("云图教育") == ["上海云图教育科技有限公司"]
    assert found("云图") == ["上海云图教育科技有限公司"]  # two characters: read without the index
    assert found("northWIND log") == ["Northwind Logistics Ltd"]
    assert found("emily") == ["Northwind Logistics Ltd"]  # the contact's name
    assert found('"Northwind"') == [] and found("100%") == []  # quotes and % are text
    Lead.objects.filter(pk=shanghai.pk).update(company_name="杭州启明物流有限公司")
    assert found("云图教育") == [] and found("启明物流") == ["杭州启明物流有限公司"]
    Lead.objects.filter(pk=shanghai.pk).delete()
    assert found("启明物流") == []


def test_the_export_shows_times_in_the_readers_zone_like_the_pages(
    client, org, django_capture_on_commit_callbacks
):
    # The export runs in the worker, where no request activated the reader's zone: a rep in
    # New York read a lead created at 09:00 their time as 21:00 or 22:00 (Shanghai's), while the
    # lead page and the companies export (made in the request) show 09:00.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from salesop.core.testing import in_zone

    in_zone("America/New_York", org.rep)
    lead = make_lead(org.rep, company="纽约时间的线索")
    created = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    Lead.objects.filter(pk=lead.pk).update(created_at=created)
    client.force_login(org.rep)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/leads/export.csv")
    body = b"".join(client.get(started["Location"] + "download/").streaming_content)
    row = next(line for line in body.decode("utf-8-sig").splitlines() if "纽约时间的线索" in line)
    assert row.endswith("2026-11-02 09:00"), row
