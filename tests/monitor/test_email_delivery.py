"""Email is counted as sent only once a real mail server (aiosmtpd on loopback) accepted it;
a refusal is recorded on the notification or digest, retried with the webhooks' back-off,
delivered once when the server accepts, and sales ops see and hear of repeated failures."""

import asyncio
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.utils import timezone, translation

from salesop.cli import main
from salesop.core.env import email_settings
from salesop.core.testing import in_zone, make_org
from salesop.monitor.models import DigestRun, Notification, WebhookEndpoint
from salesop.monitor.sending import (
    send_daily_digests,
    send_due_emails,
    send_due_notifications,
)

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """A local mail server: answers each DATA from `data_answers` while any are left (then
    accepts), refuses recipients in `refused` with 550; `hang` seconds before answering a DATA
    (a server that stopped answering), `hang_up` closes the connection after each message."""

    def __init__(self):
        self.data_answers: list[str] = []
        self.refused: set[str] = set()
        self.accepted: list[tuple[str, str]] = []  # (recipient, message)
        self.tries = 0
        self.hang = 0.0
        self.hang_up = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.hang:
            await asyncio.sleep(self.hang)
        if self.hang_up:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        if self.data_answers:
            return self.data_answers.pop(0)
        text = envelope.content.decode("utf-8", "replace")
        self.accepted.extend((to, text) for to in envelope.rcpt_tos)
        return "250 2.0.0 queued"

    def to(self, address: str) -> int:
        return sum(1 for rcpt, _text in self.accepted if rcpt == address)


@pytest.fixture
def relay(settings):
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    use_email_url(settings, f"smtp://127.0.0.1:{controller.port}?tls=0")
    yield handler
    controller.stop()


def use_email_url(settings, url: str) -> None:
    for name, value in email_settings(url).items():
        setattr(settings, name, value)
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now().replace(microsecond=0), tick=False)
    return time_machine


def note_for(user, title="报价单待审批: 仓储系统升级") -> Notification:
    return Notification.objects.create(
        user=user, title=title, url="/deals/1/", email_due_at=timezone.now()
    )


def with_email(user, address: str, language: str = "en"):
    user.email, user.language = address, language
    user.save()
    return user


def test_a_refused_email_is_retried_with_back_off_and_delivered_once(org, relay, clock):
    with_email(org.rep, "rep@example.cn")
    note = note_for(org.rep)
    relay.data_answers = ["451 4.3.0 Try again later"]
    started = timezone.now()

    result = send_due_emails()
    assert (result.sent, result.failed) == (0, 1)
    note.refresh_from_db()
    assert note.emailed_at is None and note.email_attempts == 1
    assert note.email_error == "451 4.3.0 Try again later"
    assert note.email_due_at == started + MINUTE  # the webhooks' first back-off

    assert send_due_emails().sent == 0 and relay.tries == 1  # not before the back-off ends
    clock.shift(MINUTE)
    assert send_due_emails().sent == 1
    note.refresh_from_db()
    assert note.emailed_at is not None and note.email_due_at is None and note.email_error == ""
    assert note.email_attempts == 2
    assert send_due_emails().sent == 0
    clock.shift(timedelta(hours=3))
    assert send_due_emails().sent == 0
    assert relay.to("rep@example.cn") == 1 and "仓储系统升级" in relay.accepted[0][1]


def test_a_person_who_lost_their_address_or_left_is_not_a_failed_delivery(org, relay, clock):
    # their notification stays in the inbox; it is no mail server's failure and no reason to
    # tell ops that email is down
    with_email(org.rep, "rep@example.cn")
    note = note_for(org.rep)
    left = note_for(with_email(org.teammate, "left@example.cn"))
    org.rep.email = ""
    org.rep.save()
    org.teammate.is_active = False
    org.teammate.save()

    result = send_due_emails()
    assert (result.sent, result.failed, relay.tries) == (0, 0, 0)
    for unsent in (note, left):
        unsent.refresh_from_db()
        assert unsent.email_due_at is None and unsent.email_error == ""
        assert unsent.email_attempts == 0


def test_what_the_server_accepted_is_not_sent_again_when_the_rest_is_retried(org, relay, clock):
    with_email(org.rep, "rep@example.cn")
    with_email(org.teammate, "gone@example.cn")
    note_for(org.rep)
    refused = note_for(org.teammate)
    relay.refused = {"gone@example.cn"}

    result = send_due_emails()
    assert (result.sent, result.failed) == (1, 1)
    refused.refresh_from_db()
    assert "550 5.1.1" in refused.email_error and "gone@example.cn" in refused.email_error
    relay.refused = set()
    clock.shift(MINUTE)
    assert (send_due_emails().sent, relay.to("rep@example.cn"), relay.to("gone@example.cn")) == (
        1,
        1,
        1,
    )


def test_a_server_that_cannot_be_reached_stops_the_batch_then_gets_it_all(
    org, relay, settings, clock
):
    with_email(org.rep, "rep@example.cn")
    notes = [note_for(org.rep, f"提醒 {i}") for i in range(13)]
    settings.EMAIL_PORT = free_port()  # nothing listens there

    with translation.override("en"):
        result = send_due_emails()
    # one message found it down; the rest were not claimed (their tries are not used up)
    assert (result.sent, result.failed) == (0, 1)
    tried = Notification.objects.get(pk=notes[0].pk)
    assert tried.email_error.startswith("Could not reach the mail server")
    assert not Notification.objects.filter(email_attempts__gt=0).exclude(pk=tried.pk).exists()
    settings.EMAIL_PORT = relay.port
    clock.shift(MINUTE)
    assert send_due_emails().sent == 13
    assert relay.to("rep@example.cn") == 13
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_server_that_stops_answering_holds_the_batch_one_time_out_not_one_per_message(
    org, relay, settings, clock
):
    # 200 messages at 30 s each held the worker (and the sweeps behind it) for 100 minutes.
    with_email(org.rep, "rep@example.cn")
    notes = [note_for(org.rep, f"提醒 {i}") for i in range(10)]
    settings.EMAIL_TIMEOUT, relay.hang = 1, 3
    started = time.monotonic()
    with translation.override("en"):
        result = send_due_emails()
    assert time.monotonic() - started < 3
    assert (result.sent, result.failed) == (0, 1)  # the rest were not claimed
    tried = Notification.objects.get(pk=notes[0].pk)
    assert "timed out" in tried.email_error
    assert not Notification.objects.filter(email_attempts__gt=0).exclude(pk=tried.pk).exists()
    relay.hang = 0
    assert send_due_emails().sent == 9  # the first waits for its back-off
    # its lease covered every step of a slow exchange, not two minutes: a second sender
    # would have taken it while a server that takes its time was still accepting it
    from salesop.monitor.rules import send_lease

    assert send_lease(30) == timedelta(minutes=5)


def test_a_server_that_hangs_up_after_each_message_still_gets_them_all(org, relay, clock):
    # The next message went out on the closed connection and failed: every other one.
    with_email(org.rep, "rep@example.cn")
    for i in range(5):
        note_for(org.rep, f"提醒 {i}")
    relay.hang_up = True
    result = send_due_emails()
    assert (result.sent, result.failed) == (5, 0)
    assert relay.to("rep@example.cn") == 5


def test_smtp_uses_starttls_unless_tls_0_and_says_so_when_the_server_has_none(org, relay, settings):
    assert email_settings("smtp://relay.local:25")["EMAIL_USE_TLS"] is True
    assert email_settings("smtp://relay.local:25?tls=0")["EMAIL_USE_TLS"] is False
    use_email_url(settings, f"smtp://127.0.0.1:{relay.port}")  # as the relay was set
    with_email(org.rep, "rep@example.cn")
    note = note_for(org.rep)
    with translation.override("en"):
        assert send_due_emails().failed == 1
    note.refresh_from_db()
    assert "STARTTLS" in note.email_error and "?tls=0" in note.email_error
    assert note.emailed_at is None and relay.accepted == []


def test_ops_see_failing_email_on_their_home_page_and_are_told_once(
    org, relay, clock, client, receiver
):
    with_email(org.ops, "")  # ops read it in their inbox and chat: email is what is broken
    chat = receiver()
    WebhookEndpoint.objects.create(name="ops", kind="generic", url=chat.url)
    with_email(org.rep, "rep@example.cn")
    note = note_for(org.rep)
    relay.data_answers = ["550 5.7.1 Relaying denied"] * 5

    client.force_login(org.ops)
    assert 'data-testid="email-status"' not in client.get("/").content.decode()
    told = Notification.objects.filter(user=org.ops, title__startswith="Email is not getting")
    for attempt, wait in enumerate((1, 5, 30, 120), start=1):
        assert send_due_notifications().failed == 1
        assert told.count() == (1 if attempt >= 3 else 0)  # after 3 tries in a row, once
        clock.shift(timedelta(minutes=wait))
    page = client.get("/").content.decode()
    assert "Email is not getting through" in page and "550 5.7.1 Relaying denied" in page
    assert "1 message waits to be tried again" in page
    assert "Relaying denied" in told.get().title
    assert [json.loads(r["body"])["event"] for r in chat.requests] == ["email.failing"]

    assert send_due_notifications().failed == 1  # the fifth and last try
    note.refresh_from_db()
    assert note.email_failed_at is not None and note.email_due_at is None
    clock.shift(timedelta(days=1))
    assert send_due_emails().failed == 0  # given up: not tried again
    page = client.get("/").content.decode()
    assert "1 message was given up after every try" in page

    note_for(org.rep, "新的提醒")  # the server accepts again
    assert send_due_emails().sent == 1
    assert Notification.objects.filter(
        user=org.ops, title="The mail server accepts email again."
    ).exists()
    assert told.count() == 1
    client.force_login(org.rep)
    assert 'data-testid="email-status"' not in client.get("/").content.decode()


def test_the_daily_digest_is_retried_until_the_server_accepts_it_and_sent_once(
    org, relay, time_machine
):
    with_email(org.rep, "rep@example.cn", "zh-hans")
    in_zone("", org.rep)  # the company's: 08:00 in Shanghai
    relay.data_answers = ["421 4.7.0 Too many connections, try later"]
    time_machine.move_to(datetime(2027, 3, 16, 0, 10, tzinfo=UTC), tick=False)  # 08:10 Shanghai

    first = send_daily_digests()
    assert (first.sent, first.failed) == (0, 1)
    digest = DigestRun.objects.get(user=org.rep)
    assert (digest.status, digest.attempts, digest.sent_at) == ("pending", 1, None)
    assert digest.last_error.startswith("421 4.7.0")
    assert send_daily_digests().sent == 0  # the same hour again: not written twice
    time_machine.shift(MINUTE)
    assert send_due_notifications().sent == 1  # the worker's every-minute pass retries it
    digest.refresh_from_db()
    assert digest.status == "sent" and digest.sent_at is not None and digest.last_error == ""
    time_machine.shift(timedelta(minutes=10))
    assert send_daily_digests().sent == 0 and send_due_notifications().sent == 0
    assert relay.to("rep@example.cn") == 1 and DigestRun.objects.count() == 1


def test_salesop_sweep_tells_sent_from_failed(org, relay, clock, capsys):
    with_email(org.rep, "rep@example.cn")
    for i in range(3):
        note_for(org.rep, f"提醒 {i}")
    relay.refused = {"rep@example.cn"}
    with translation.override("en"):
        main(["sweep"])
    out = capsys.readouterr().out
    assert "sent 0, failed 3" in out and "550 5.1.1" in out, out
    relay.refused = set()
    clock.shift(MINUTE)
    with translation.override("en"):
        main(["sweep"])
    out = capsys.readouterr().out
    assert "sent 3, failed 0" in out and "error" not in out, out
    assert relay.to("rep@example.cn") == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_email_once(relay):
    org = make_org()
    with_email(org.rep, "rep@example.cn")
    for i in range(40):
        note_for(org.rep, f"提醒 {i}")
    relay.data_answers = ["451 4.3.0 Try again later"] * 5  # some fail, and are not re-sent
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(send_due_emails())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == 35 and sum(r.failed for r in results) == 5
    assert relay.to("rep@example.cn") == 35 and relay.tries == 40  # each tried once
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 35
