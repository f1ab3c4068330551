"""Alerts from the playbook's rules: fire at the right moment and not before, once, resolve
when the condition clears, escalate; people hear of it by inbox and email."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from salesop.core.testing import in_zone, make_deal, tick_stage
from salesop.deals.services import deal_mark_lost, deal_move, deal_update
from salesop.monitor.models import Alert, Notification, NotificationPreference
from salesop.monitor.sending import send_due_emails
from salesop.monitor.services import sweep

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now().replace(microsecond=0), tick=False)

    class Clock:
        def now(self):
            return timezone.now()

        def advance(self, delta):
            time_machine.shift(delta)

    return Clock()


def test_stage_overdue_fires_at_the_limit_not_before_and_once(org, clock):
    deal = make_deal(org.rep)  # discovery: at most 14 days
    clock.advance(14 * DAY - timedelta(minutes=1))
    assert sweep().opened == 0
    clock.advance(timedelta(minutes=1))
    assert sweep().opened == 1
    assert sweep().opened == 0
    alert = Alert.objects.get()
    assert (alert.kind, alert.owner, alert.deal, alert.status) == (
        "deal.stage_overdue",
        org.rep,
        deal,
        "open",
    )
    note = Notification.objects.get(user=org.rep)
    assert (
        "仓储系统升级" in note.title
        and "需求挖掘" in note.title
        and note.url == f"/deals/{deal.pk}/"
    )


def test_alert_resolves_when_the_deal_moves_and_records_how_long(org, clock):
    deal = make_deal(org.rep)
    clock.advance(15 * DAY)
    sweep()
    tick_stage(deal, org.rep)
    clock.advance(timedelta(hours=5))
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    assert sweep().resolved == 1
    alert = Alert.objects.get()
    assert alert.status == "resolved" and alert.open_seconds == 5 * 3600


def test_unresolved_alert_escalates_to_the_manager_once(org, clock):
    make_deal(org.rep)
    clock.advance(14 * DAY)
    sweep()
    clock.advance(3 * DAY - timedelta(minutes=1))
    assert sweep().escalated == 0
    clock.advance(timedelta(minutes=1))
    assert sweep().escalated == 1
    assert sweep().escalated == 0
    alert = Alert.objects.get()
    assert alert.level == 1 and alert.escalated_at is not None
    escalated = Notification.objects.get(user=org.manager)
    assert escalated.title.startswith(("升级", "Escalated"))
    assert not Notification.objects.filter(user=org.other_manager).exists()


def test_signing_date_passed_alerts_owner_and_manager_and_clears(org, clock):
    deal = make_deal(org.rep, expected_close_date=timezone.localdate())
    assert sweep().opened == 0
    clock.advance(DAY)
    assert sweep().opened == 1
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"rep", "manager"}
    deal_update(deal=deal, by=org.rep, expected_close_date=timezone.localdate() + 7 * DAY)
    assert sweep().resolved == 1
    clock.advance(8 * DAY)
    assert sweep().opened == 1  # the new date passed too: a new alert for it


def test_closed_deal_raises_nothing_and_clears_its_alerts(org, clock):
    deal = make_deal(org.rep, expected_close_date=timezone.localdate())
    clock.advance(20 * DAY)
    sweep()
    assert Alert.objects.filter(status="open").count() == 2
    deal_mark_lost(deal=deal, by=org.rep, reason="price")
    assert sweep().resolved == 2


def test_muted_kind_and_quiet_hours(org, clock):
    NotificationPreference.objects.create(user=org.teammate, muted_kinds=["deal.stage_overdue"])
    make_deal(org.teammate)
    org.rep.email = "zhangwei@example.cn"
    org.rep.save()
    in_zone("", org.rep)  # quiet hours in the company's zone, as timezone.localtime() gives
    now_local = timezone.localtime()
    NotificationPreference.objects.create(
        user=org.rep,
        quiet_start=(now_local + 14 * DAY - timedelta(hours=1)).time(),
        quiet_end=(now_local + 14 * DAY + timedelta(hours=2)).time(),
    )
    make_deal(org.rep)
    clock.advance(14 * DAY)
    sweep()
    assert not Notification.objects.filter(user=org.teammate).exists()
    note = Notification.objects.get(user=org.rep)
    assert send_due_emails().sent == 0 and note.email_due_at > timezone.now()
    clock.advance(timedelta(hours=2))
    assert send_due_emails().sent == 1
    assert mail.outbox[0].to == ["zhangwei@example.cn"] and "仓储系统升级" in mail.outbox[0].subject
    assert send_due_emails().sent == 0


def test_sweep_when_nothing_is_due_touches_no_deal(org, clock, django_assert_max_num_queries):
    for i in range(20):
        make_deal(org.rep, name=f"d{i}")
    # the playbook, one due query per rule kind, open alert kinds, escalations due
    with django_assert_max_num_queries(12):
        report = sweep()
    assert report.opened == 0
