"""Data sets whose report figures are known in advance, shared by the insights tests."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from salesop.core.testing import make_account, make_channel, make_deal
from salesop.deals.models import Deal, DealStatus, StageEvent
from salesop.leads.models import Lead, LeadEvent
from salesop.playbook.models import PlaybookVersion

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, month: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, tzinfo=SH)


def lead(owner, created, *, contacted=False, qualified=False):
    row = Lead.objects.create(
        owner=owner,
        team=owner.team,
        channel=make_channel(),
        company_name=f"公司 {Lead.objects.count()}",
        created_at=created,
        first_contacted_at=created + timedelta(hours=3) if contacted else None,
    )
    if qualified:
        LeadEvent.objects.create(
            lead=row, kind="status", from_value="contacted", to_value="qualified", at=created
        )
    return row


def move(deal, to_stage, when, days_in_previous, kind="moved"):
    previous = deal.stage_events.order_by("-at", "-id").first()
    StageEvent.objects.create(
        deal=deal,
        kind=kind,
        from_stage=previous.to_stage,
        to_stage=to_stage,
        at=when,
        seconds_in_previous=int(days_in_previous * 86400),
        playbook_version=deal.playbook_version,
    )


@pytest.fixture
def october(org):
    leads = [lead(org.rep, at(1 + i), contacted=i < 8, qualified=i < 5) for i in range(10)]
    deals = []
    for i, row in enumerate(leads[:4]):
        deal = make_deal(org.rep, name=f"商机 {i}")
        deal.stage_events.update(at=at(10 + i))
        Deal.objects.filter(pk=deal.pk).update(created_at=at(10 + i))
        Lead.objects.filter(pk=row.pk).update(deal=deal)
        deals.append(deal)
    # discovery -> solution after 2, 4 and 6 days; solution -> negotiation after 20 and 40
    # days (the playbook allows 21: the planted bottleneck); then contracting, one won.
    for deal, days in zip(deals[:3], (2, 4, 6), strict=True):
        move(deal, "solution", at(20), days)
    for deal, days in zip(deals[:2], (20, 40), strict=True):
        move(deal, "negotiation", at(25), days)
        move(deal, "contracting", at(27), 2)
    move(deals[0], "won", at(30), 3, kind="won")
    Deal.objects.filter(pk=deals[0].pk).update(stage="won", status="won", closed_at=at(30))
    Deal.objects.filter(pk=deals[1].pk).update(stage="contracting")
    Deal.objects.filter(pk=deals[2].pk).update(stage="solution")
    lead(org.rep, at(15, 9))  # September: the previous period
    lead(org.rep, at(15, 10, 2025), contacted=True)  # a year earlier
    lead(org.outsider, at(5))  # another team's: not the rep's to see
    return leads


# Grading: the playbook grades A from 75 points, but leads scoring 80 win like B leads.
PLANTED = [(90, 10, 6), (80, 20, 2), (60, 20, 4), (30, 10, 0)]


@pytest.fixture
def loose_grading(org):
    channel = make_channel()
    account = make_account(org.rep)
    version = PlaybookVersion.objects.get(is_active=True)
    n = 0
    for score, count, won in PLANTED:
        for i in range(count):
            n += 1
            row = Lead.objects.create(
                owner=org.rep,
                team=org.rep.team,
                channel=channel,
                company_name=f"线索 {n}",
                score=score,
                icp_fit=score / 100 - 0.01,
                created_at=at(1 + n % 28, 1 + n % 10),
                status="converted" if i < won or i % 2 else "disqualified",
            )
            if row.status == "converted":
                status = DealStatus.WON if i < won else DealStatus.LOST
                deal = Deal.objects.create(
                    owner=org.rep,
                    team=org.rep.team,
                    account=account,
                    name=f"商机 {n}",
                    stage=status,
                    status=status,
                    playbook_version=version,
                )
                Lead.objects.filter(pk=row.pk).update(deal=deal)
    # Undecided (open) leads do not count as losses; another team's leads are not the rep's.
    Lead.objects.create(
        owner=org.rep,
        team=org.rep.team,
        channel=channel,
        company_name="在跟进",
        score=95,
        created_at=at(3),
    )
    Lead.objects.create(
        owner=org.outsider,
        team=org.outsider.team,
        channel=channel,
        company_name="北方",
        score=90,
        status="disqualified",
        created_at=at(3),
    )
