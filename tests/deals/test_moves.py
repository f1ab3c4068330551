"""Moving deals through the stage gates, via the service and via the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from salesop.core.errors import DomainError, StaleWrite
from salesop.core.testing import make_account, make_deal, prepared, sign_contract, tick_stage
from salesop.deals.models import Deal, StageEvent
from salesop.deals.selectors import playbook_of
from salesop.deals.services import (
    GateRefused,
    checklist_tick,
    deal_mark_lost,
    deal_move,
    deal_reopen,
    deal_update,
)

pytestmark = pytest.mark.django_db


def test_one_deal_walks_every_stage_and_each_gate_refuses_until_met(org):
    deal = make_deal(org.rep, amount=None)
    assert (deal.stage, deal.probability) == ("discovery", 10)
    for stage, fix in [
        ("discovery", lambda: deal_update(deal=deal, by=org.rep, amount=Decimal("480000"))),
        ("solution", lambda: None),
        (
            "negotiation",
            lambda: deal_update(
                deal=deal, by=org.rep, expected_close_date=timezone.localdate() + timedelta(days=30)
            ),
        ),
        ("contracting", lambda: None),
    ]:
        target = deal.stage
        next_stage = {
            "discovery": "solution",
            "solution": "negotiation",
            "negotiation": "contracting",
            "contracting": "won",
        }[stage]
        assert target == stage
        with pytest.raises(GateRefused) as refused:
            deal_move(deal=deal, to_stage=next_stage, by=org.rep)
        # what the checklist lacks is named: a box to tick, or the evidence an item waits for
        items = {f.criterion for f in refused.value.failures} & (
            {"checklist.complete"}
            | {i.evidence for s in playbook_of(deal).stages for i in s.checklist}
        )
        assert items, refused.value.failures
        tick_stage(deal, org.rep)
        fix()
        if next_stage == "won":  # only the customer's signature closes the deal
            with pytest.raises(GateRefused) as refused:
                deal_move(deal=deal, to_stage="won", by=org.rep)
            # The checklist's signing date is the contract's: none yet, so both say so.
            assert [f.criterion for f in refused.value.failures] == [
                "contract.signing_date_set",
                "contract.signed",
            ]
            sign_contract(deal, org.rep)
        else:
            deal_move(deal=deal, to_stage=next_stage, by=org.rep)
    deal.refresh_from_db()
    assert (deal.stage, deal.status, deal.probability) == ("won", "won", 100)
    assert deal.closed_at is not None
    kinds = list(deal.stage_events.values_list("kind", "from_stage", "to_stage"))
    assert kinds == [
        ("created", "", "discovery"),
        ("moved", "discovery", "solution"),
        ("moved", "solution", "negotiation"),
        ("moved", "negotiation", "contracting"),
        ("won", "contracting", "won"),
    ]


def test_refusal_lists_what_to_do_in_words(org, settings):
    deal = make_deal(org.rep, amount=None)
    prepared(deal, org.rep)  # the prep brief's evidence ticks its item
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="solution", by=org.rep)
    messages = [f.message for f in refused.value.failures]
    assert any("recap" in m or "需求复述" in m for m in messages)
    assert not any("pre-call" in m.lower() or "沟通前准备" in m for m in messages)
    assert any("amount" in m or "金额" in m for m in messages)
    assert Deal.objects.get(pk=deal.pk).stage == "discovery"
    assert StageEvent.objects.filter(deal=deal).count() == 1


def test_stage_event_records_time_spent(org, time_machine):
    time_machine.move_to(timezone.now())
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    time_machine.shift(timedelta(days=3, hours=2))
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    event = deal.stage_events.get(kind="moved")
    assert event.seconds_in_previous == 3 * 86400 + 7200
    assert event.by == org.rep


def test_skipping_a_stage_needs_the_skipped_gates_too(org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="negotiation", by=org.rep)
    assert {f.stage for f in refused.value.failures} == {"solution"}
    tick_stage(deal, org.rep, "solution")
    deal_move(deal=deal, to_stage="negotiation", by=org.rep)
    assert deal.stage == "negotiation"


def test_manager_override_is_recorded_and_flagged(org):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        deal_move(deal=deal, to_stage="solution", by=org.rep, override_reason="trust me")
    assert refused.value.code == "override_forbidden"
    deal_move(
        deal=deal,
        to_stage="solution",
        by=org.manager,
        override_reason="客户总经理口头确认,复述邮件补发",
    )
    event = deal.stage_events.get(kind="moved")
    assert event.is_override and event.unmet
    assert event.unmet[0]["criterion"] == "discovery.prep_done"  # the first item it lacked


def test_manager_override_needs_a_written_reason(org):
    deal = make_deal(org.rep)
    with pytest.raises(GateRefused):
        deal_move(deal=deal, to_stage="solution", by=org.manager, override_reason="   ")


def test_moving_back_needs_no_gate_and_is_recorded(org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    deal_move(deal=deal, to_stage="discovery", by=org.rep)
    assert deal.stage == "discovery" and deal.probability == 10
    assert deal.stage_events.count() == 3


@pytest.mark.parametrize(
    ("to_stage", "code"),
    [("discovery", "stage.same"), ("signed", "stage.unknown"), ("lost", "stage.unknown")],
)
def test_bad_targets_are_refused(org, to_stage, code):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        deal_move(deal=deal, to_stage=to_stage, by=org.rep)
    assert refused.value.code == code


def test_role_without_right_cannot_move(org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    with pytest.raises(DomainError) as refused:
        deal_move(deal=deal, to_stage="solution", by=org.legal)
    assert refused.value.code == "role"


def test_lost_needs_a_listed_reason_and_closed_deals_do_not_move(org):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        deal_mark_lost(deal=deal, by=org.rep, reason="bad vibes")
    assert "price" in refused.value.fields["reason"]
    deal_mark_lost(deal=deal, by=org.rep, reason="competitor", note="选择了竞品 X")
    assert (deal.status, deal.stage, deal.lost_reason) == ("lost", "lost", "competitor")
    with pytest.raises(DomainError) as closed:
        deal_move(deal=deal, to_stage="solution", by=org.rep)
    assert closed.value.code == "deal.open"
    with pytest.raises(DomainError):
        checklist_tick(deal=deal, by=org.rep, stage="discovery", item="prep_done")


def test_only_managers_reopen_and_the_deal_returns_to_its_stage(org):
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    deal_mark_lost(deal=deal, by=org.rep, reason="timing")
    with pytest.raises(DomainError):
        deal_reopen(deal=deal, by=org.rep, reason="客户重新启动项目")
    deal_reopen(deal=deal, by=org.manager, reason="客户重新启动项目")
    assert (deal.status, deal.stage, deal.closed_at) == ("open", "solution", None)
    assert deal.stage_events.order_by("-id").first().kind == "reopened"


def test_unknown_checklist_item_is_refused(org):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        checklist_tick(deal=deal, by=org.rep, stage="discovery", item="horoscope_read")
    assert refused.value.code == "unknown_item"
    assert not deal.ticks.exists()


def test_stale_version_is_refused(org):
    deal = make_deal(org.rep)
    stale = Deal.objects.get(pk=deal.pk)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    with pytest.raises(StaleWrite):
        deal_mark_lost(deal=stale, by=org.rep, reason="price")
    with pytest.raises(StaleWrite):
        deal_update(deal=deal, by=org.rep, name="x", expected_version=1)
    assert Deal.objects.get(pk=deal.pk).status == "open"


@pytest.mark.parametrize("amount", [Decimal("-1"), "12"])
def test_bad_amounts_are_refused(org, amount):
    deal = make_deal(org.rep)
    with pytest.raises(DomainError) as refused:
        deal_update(deal=deal, by=org.rep, amount=amount)
    assert "amount" in refused.value.fields


def test_deal_for_another_teams_account_cannot_be_created_via_api(client, org):
    foreign = make_account(org.outsider, "北京华信")
    client.force_login(org.rep)
    response = client.post(
        "/api/v1/deals", {"account_id": foreign.pk, "name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not Deal.objects.exists()


def test_a_move_across_stages_says_each_missing_thing_once(org):
    # The negotiation checklist's "decision makers identified" is ticked by the same evidence
    # the solution stage's exit criterion asks for: skipping both says it once.
    deal = make_deal(org.rep)
    tick_stage(deal, org.rep)
    deal_move(deal=deal, to_stage="solution", by=org.rep)
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="contracting", by=org.rep, override_reason="")
    text = " ".join(f.message for f in refused.value.failures)
    assert text.count("请将决策者添加到决策链") == 1, text
    assert "识别关键决策人与影响者" not in text, text
