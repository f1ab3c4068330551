"""Activities and tasks on companies and deals, and 'my work' on the home page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from salesop.activities.models import Activity, Task
from salesop.activities.services import activity_log, task_create
from salesop.core.errors import DomainError
from salesop.core.testing import in_zone, make_account, make_deal, tick_stage, timeline_of
from salesop.deals.services import GateRefused, deal_move
from salesop.playbook.loader import yaml_data, yaml_text
from salesop.playbook.services import (
    default_playbook_text,
    playbook_activate,
    playbook_version_create,
)

# Queries: each page without its timeline, and each timeline (loaded when scrolled to).
# the company page: + the definitions of its custom fields card (one query, however many)
DEAL_PAGE, DEAL_TIMELINE, COMPANY_PAGE, COMPANY_TIMELINE = 19, 14, 12, 19
pytestmark = pytest.mark.django_db


def log(deal, by, **kw):
    kw.setdefault("kind", "call")
    kw.setdefault("subject", "需求沟通电话")
    kw.setdefault("outcome", "positive")
    return activity_log(by=by, account=deal.account, deal=deal, **kw)


def test_activity_in_the_future_is_refused(org):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        log(deal, org.rep, occurred_at=timezone.now() + timedelta(days=1))
    assert "occurred_at" in refused.value.fields
    # nor in an absurd past: the year typed as 0026 or 1926 by a slip
    with pytest.raises(DomainError) as refused:
        log(deal, org.rep, occurred_at=datetime(1926, 5, 1, 10, tzinfo=UTC))
    assert "occurred_at" in refused.value.fields
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "telepathy"), ("outcome", "great"), ("subject", ""), ("duration_minutes", 5000)],
)
def test_bad_activity_fields_are_named(org, field, value):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        log(deal, org.rep, **{field: value})
    assert field in refused.value.fields
    assert not Activity.objects.exists()


def test_deal_of_another_company_is_refused(org):
    deal = make_deal(org.rep)
    other = make_account(org.rep, "别的公司")
    with pytest.raises(DomainError):
        activity_log(
            by=org.rep, account=other, deal=deal, kind="call", subject="x", outcome="neutral"
        )


def test_contact_in_stage_criterion_gates_the_move(org):
    data = yaml_data(default_playbook_text())
    data["stages"][0]["exit_criteria"].append("activity.logged_in_stage")
    version = playbook_version_create(text=yaml_text(data), by=org.ops)
    playbook_activate(version=version, by=org.ops)
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    sent = deal.activities.get()  # sending the recap was this stage's one contact
    assert sent.kind == "email"
    sent.delete()
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="solution", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == ["activity.logged_in_stage"]
    log(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)


def test_api_logs_activities_and_hides_foreign_ones(client, org):
    deal = make_deal(org.rep)
    foreign = make_deal(org.outsider)
    client.force_login(org.rep)
    body = {"kind": "visit", "subject": "现场拜访", "outcome": "positive", "duration_minutes": 90}
    created = client.post(
        f"/api/v1/deals/{deal.pk}/activities", body, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert (
        client.post(
            f"/api/v1/deals/{foreign.pk}/activities", body, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/accounts/{foreign.account_id}/activities").status_code == 404
    bad = client.post(
        f"/api/v1/deals/{deal.pk}/activities",
        {**body, "duration_minutes": "90"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "duration_minutes"
    assert Activity.objects.count() == 1


def test_my_work_splits_overdue_and_today_in_the_users_zone(client, org, time_machine):
    # 2027-03-01 15:00 UTC is 23:00 in Shanghai: "today" ends in one hour there.
    time_machine.move_to(datetime(2027, 3, 1, 15, 0, tzinfo=UTC))
    in_zone("", org.rep)
    deal = make_deal(org.rep)
    now = timezone.now()
    task_create(by=org.rep, title="发送报价", due_at=now - timedelta(hours=2), deal=deal)
    task_create(by=org.rep, title="确认签约日期", due_at=now + timedelta(minutes=30), deal=deal)
    task_create(by=org.rep, title="明天的回访", due_at=now + timedelta(hours=2), deal=deal)
    task_create(by=org.manager, title="经理自己的", due_at=now, deal=deal)
    client.force_login(org.rep)
    work = client.get("/api/v1/tasks/my-work").json()
    assert [t["title"] for t in work["overdue"]] == ["发送报价"]
    assert [t["title"] for t in work["today"]] == ["确认签约日期"]
    home = client.get("/").content.decode()
    due, coming = home.split('data-testid="upcoming"')
    assert "发送报价" in due and "确认签约日期" in due and "明天的回访" not in due
    assert "明天的回访" in coming  # tomorrow's is listed as coming up this week


def test_task_done_by_assignee_only(client, org):
    task = task_create(by=org.rep, title="准备演示环境", due_at=timezone.now())
    client.force_login(org.teammate)
    assert (
        client.post(
            f"/api/v1/tasks/{task.pk}/done", {}, content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(org.rep)
    done = client.post(f"/api/v1/tasks/{task.pk}/done", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["done_at"]
    assert Task.objects.get().done_at is not None


def test_deal_page_logs_an_activity_through_htmx(client, org, django_assert_max_num_queries):
    deal = make_deal(org.rep)
    for i in range(10):
        log(deal, org.rep, subject=f"电话 {i}")
    client.force_login(org.rep)
    with django_assert_max_num_queries(DEAL_PAGE):  # constant: the timeline loads when scrolled to
        client.get(f"/deals/{deal.pk}/")
    with django_assert_max_num_queries(DEAL_TIMELINE):  # a read per kind of event, + whom with
        assert "电话 9" in timeline_of(client, deal)
    response = client.post(
        f"/activities/deal/{deal.pk}/log/",
        {
            "kind": "meeting",
            "subject": "方案评审会",
            "outcome": "neutral",
            "duration_minutes": "60",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "方案评审会" in response.content.decode()
    refused = client.post(
        f"/activities/deal/{deal.pk}/log/",
        {"kind": "meeting", "subject": "", "outcome": "neutral", "duration_minutes": "60"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422 and "invalid-feedback" in refused.content.decode()
    assert Activity.objects.count() == 11


def test_company_page_and_home_query_counts_stay_flat(client, org, django_assert_max_num_queries):
    deal = make_deal(org.rep)
    for i in range(15):
        log(deal, org.rep, subject=f"电话 {i}")
        task_create(by=org.rep, title=f"任务 {i}", due_at=timezone.now(), deal=deal)
    client.force_login(org.rep)
    with django_assert_max_num_queries(COMPANY_PAGE):  # + contracts, projects, growth advice
        assert client.get(f"/customers/{deal.account_id}/").status_code == 200
    with django_assert_max_num_queries(COMPANY_TIMELINE):  # the same however many activities
        assert "电话 14" in timeline_of(client, deal.account)
    with django_assert_max_num_queries(9):  # + the queues of the rep's turn and lapses
        assert "任务 14" in client.get("/").content.decode()


def test_done_is_offered_only_to_who_may_close_the_task(client, org):
    # A teammate sees the deal's tasks; only the assignee, the one who set it and sales ops
    # close one (the page offered Done to every viewer; the service refused them).
    deal = make_deal(org.rep)
    task = task_create(
        by=org.rep, title="发送报价", due_at=timezone.now() + timedelta(days=1), deal=deal
    )
    done = f"/tasks/{task.pk}/done/"
    client.force_login(org.manager)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "发送报价" in page and done not in page
    client.force_login(org.rep)
    assert done in client.get(f"/deals/{deal.pk}/").content.decode()
