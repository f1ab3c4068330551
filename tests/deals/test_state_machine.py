"""A deal driven by random sequences of legal and illegal actions from random people (hypothesis
state machine, fixed seed): ticking checklist items, moving to any stage (real or not, with
or without an override reason), marking lost, reopening. After every step: a move went
through only if its gate passed or a manager overrode it with a reason; every accepted change
left exactly one stage event; status, stage, close time and timers agree with each other."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from salesop.core.errors import DomainError
from salesop.core.testing import make_deal, make_org
from salesop.deals.models import Deal, DealStatus, StageEvent
from salesop.deals.rules import may_override
from salesop.deals.selectors import playbook_of
from salesop.deals.services import (
    GateRefused,
    checklist_tick,
    deal_mark_lost,
    deal_move,
    deal_reopen,
    move_check,
)

REFUSED = (DomainError, GateRefused, PermissionError)


class DealLife(RuleBasedStateMachine):
    @initialize()
    def company(self):
        self.savepoint = transaction.savepoint()  # each run starts from an empty company
        self.org = make_org()
        self.deal = make_deal(self.org.rep)
        self.people = [self.org.rep, self.org.teammate, self.org.manager, self.org.ops]
        playbook = playbook_of(self.deal)
        self.stages = [s.key for s in playbook.stages]
        self.items = [(s.key, i.key) for s in playbook.stages for i in s.checklist]
        self.evidence = {(s.key, i.key) for s in playbook.stages for i in s.checklist if i.evidence}
        self.lost_reasons = [r.key for r in playbook.lost_reasons]
        self.accepted = 1  # the "created" event

    def _fresh(self) -> Deal:
        self.deal = Deal.objects.get(pk=self.deal.pk)
        return self.deal

    @rule(who=st.integers(0, 3), which=st.integers(0, 200))
    def tick(self, who, which):
        stage, item = self.items[which % len(self.items)]
        try:
            checklist_tick(deal=self._fresh(), by=self.people[who], stage=stage, item=item)
        except REFUSED as refused:
            evidence = (stage, item) in self.evidence and getattr(refused, "code", "") == "evidence"
            assert evidence or not self.deal.is_open, "a tick on an open deal was refused"
        else:
            assert (stage, item) not in self.evidence, "an item its evidence ticks was ticked"

    @rule(
        who=st.integers(0, 3),
        to=st.sampled_from(["discovery", "solution", "negotiation", "contracting", "won", "x"]),
        reason=st.sampled_from(["", "客户总监口头确认，书面材料下周补"]),
    )
    def move(self, who, to, reason):
        deal, person = self._fresh(), self.people[who]
        failures = move_check(deal=deal, to_stage=to, by=person)
        try:
            deal_move(deal=deal, to_stage=to, by=person, override_reason=reason)
        except REFUSED:
            return
        self.accepted += 1
        overridable = all(
            f.criterion not in ("deal.open", "stage.same", "stage.unknown", "role")
            for f in failures
        )
        assert not failures or (reason and overridable and may_override(person)), (
            f"{person.username} moved to {to} past {[f.criterion for f in failures]}"
        )

    @rule(who=st.integers(0, 3), which=st.integers(0, 20))
    def lose(self, who, which):
        reason = (self.lost_reasons + ["no_such_reason"])[which % (len(self.lost_reasons) + 1)]
        was_open = self._fresh().is_open
        try:
            deal_mark_lost(deal=self.deal, by=self.people[who], reason=reason)
        except REFUSED:
            return
        assert was_open and reason in self.lost_reasons
        self.accepted += 1

    @rule(who=st.integers(0, 3), reason=st.sampled_from(["", "客户重新启动预算"]))
    def reopen(self, who, reason):
        person, was = self.people[who], self._fresh().status
        try:
            deal_reopen(deal=self.deal, by=person, reason=reason)
        except REFUSED:
            return
        assert was == DealStatus.LOST and reason and person in (self.org.manager, self.org.ops)
        self.accepted += 1

    def teardown(self):
        if hasattr(self, "savepoint"):
            transaction.savepoint_rollback(self.savepoint)

    @invariant()
    def one_event_per_accepted_change(self):
        if hasattr(self, "deal"):
            assert StageEvent.objects.filter(deal=self.deal).count() == self.accepted

    @invariant()
    def status_stage_and_clocks_agree(self):
        if not hasattr(self, "deal"):
            return
        deal = self._fresh()
        if deal.status == DealStatus.OPEN:
            assert deal.stage in self.stages and deal.closed_at is None
            assert deal.stage_due_at is not None
        else:
            assert deal.stage == deal.status and deal.closed_at is not None
            assert deal.stage_due_at is None
        last = StageEvent.objects.filter(deal=deal).order_by("-at", "-id").first()
        assert last.to_stage == deal.stage


@pytest.mark.django_db
def test_a_deal_survives_random_people_doing_random_things():
    DealLife.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        derandomize=True,  # fixed in CI; set derandomize=False for a random nightly run
        suppress_health_check=list(HealthCheck),
    )
    DealLife.TestCase().runTest()
