"""A ticket driven by random sequences of replies, solution directions and resolutions, legal
and illegal, as time passes in random steps (hypothesis state machine, fixed seed). After
every step: the status follows open → responded → direction → resolved and never goes back;
each clock stops once, at the moment of the first reply or direction, never before the ticket
opened; a breach is recorded exactly when the clock stopped after its due time, with its
length; the version counts the accepted changes."""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from salesop.aftersales.models import Ticket, TicketStatus
from salesop.aftersales.tickets import ticket_direction, ticket_open, ticket_resolve
from salesop.aftersales.tickets import ticket_respond as respond
from salesop.core.errors import DomainError
from salesop.core.testing import make_account, make_org

ORDER = [TicketStatus.OPEN, TicketStatus.RESPONDED, TicketStatus.DIRECTION, TicketStatus.RESOLVED]


class TicketLife(RuleBasedStateMachine):
    @initialize(severity=st.sampled_from(["urgent", "high", "normal"]))
    def open_one(self, severity):
        self.savepoint = transaction.savepoint()
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.traveller = self.clock.start()
        org = make_org()
        self.people = [org.rep, org.teammate, org.manager]
        self.ticket = ticket_open(
            account=make_account(org.rep),
            by=org.rep,
            channel="phone",
            severity=severity,
            title="系统登录异常",
            description="客户反馈无法登录",
        )
        self.accepted, self.status_seen = 0, TicketStatus.OPEN
        self.first_reply = self.direction_at = None

    def teardown(self):
        if hasattr(self, "savepoint"):
            self.clock.stop()
            transaction.savepoint_rollback(self.savepoint)

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours):
        self.traveller.shift(timedelta(hours=hours))

    @rule(who=st.integers(0, 2), body=st.sampled_from(["", "已收到，正在排查", "  "]))
    def reply(self, who, body):
        try:
            respond(ticket=self.ticket, by=self.people[who], body=body)
        except DomainError:
            assert not body.strip()
            return
        if self.first_reply is None:
            self.first_reply = timezone.now()
            self.accepted += 1

    @rule(who=st.integers(0, 2), text=st.sampled_from(["", "清除浏览器缓存后重新登录"]))
    def direction(self, who, text):
        try:
            ticket_direction(ticket=self.ticket, by=self.people[who], direction=text)
        except DomainError:
            assert not text or self.direction_at is not None
            return
        assert self.direction_at is None, "a second direction was accepted"
        self.direction_at = timezone.now()
        self.first_reply = self.first_reply or self.direction_at
        self.accepted += 1

    @rule(who=st.integers(0, 2))
    def resolve(self, who):
        before = Ticket.objects.get(pk=self.ticket.pk)
        try:
            ticket_resolve(ticket=self.ticket, by=self.people[who])
        except DomainError:
            assert before.direction_at is None or before.resolved_at is not None
            return
        assert before.direction_at is not None and before.resolved_at is None
        self.accepted += 1

    @invariant()
    def status_only_moves_forward(self):
        if not hasattr(self, "ticket"):
            return
        now = Ticket.objects.get(pk=self.ticket.pk).status
        assert ORDER.index(now) >= ORDER.index(self.status_seen)
        self.status_seen = now

    @invariant()
    def clocks_stop_once_at_the_right_moment_with_their_breach(self):
        if not hasattr(self, "ticket"):
            return
        t = Ticket.objects.get(pk=self.ticket.pk)
        assert t.version == 1 + self.accepted
        assert t.responded_at == self.first_reply and t.direction_at == self.direction_at
        for stopped, due, breach in (
            (t.responded_at, t.first_response_due_at, t.response_breach_seconds),
            (t.direction_at, t.direction_due_at, t.direction_breach_seconds),
        ):
            if stopped is None:
                assert breach is None
                continue
            assert stopped >= t.opened_at
            late = int((stopped - due).total_seconds())
            assert (breach or 0) == max(0, late)


@pytest.mark.django_db
def test_a_ticket_keeps_its_clocks_straight_whatever_happens():
    TicketLife.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    TicketLife.TestCase().runTest()
