"""The monthly review on the planted data sets: October 2026's solution stage (median 30 days
against the playbook's 21, nothing to compare in the three months before) must be named the
bottleneck, and the too-loose A threshold (leads scoring 80 win like B leads) must be named with
new thresholds proposed; sales ops turn that into a draft playbook version."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook

from salesop.insights.models import MonthlyReview
from salesop.insights.review import bottleneck, review
from salesop.insights.rules import month_period
from salesop.insights.selectors import Conversion, conversions
from salesop.insights.services import review_last_month, review_send
from salesop.monitor.jobs import MONTHLY
from salesop.monitor.models import Notification
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.selectors import active_playbook, parsed

pytestmark = pytest.mark.django_db
OCTOBER = month_period(2026, 10)


def test_the_review_names_the_planted_bottleneck_and_grading(org, october, loose_grading):
    result = review(org.manager, OCTOBER)
    assert (result.bottleneck.kind, result.bottleneck.key) == ("dwell", "solution")
    assert result.bottleneck.against == "playbook" and result.bottleneck.change_pct == 43
    assert "30.0" in result.bottleneck_text and "21" in result.bottleneck_text
    assert result.grading.verdict == "too_loose"
    first = result.proposals[0]
    assert first.changes == {("bant", "grades", "a"): 85, ("bant", "grades", "b"): 50}
    assert "85" in first.title and "26.7" in first.evidence
    assert any("solution" in p.title.lower() or "方案" in p.title for p in result.proposals[1:])
    headline = {h.key: h for h in result.headline}
    assert headline["leads"].now > 0 and headline["leads"].before is not None


def test_a_month_without_data_says_so(org):
    result = review(org.manager, month_period(2026, 3))
    assert result.empty and result.bottleneck is None and result.proposals == []
    assert result.grading.verdict == "insufficient"


def test_conversion_bottleneck_against_the_baseline():
    def rates(*pairs):
        return [Conversion(f"s{i}", f"S{i}", n, Decimal(r)) for i, (n, r) in enumerate(pairs)]

    now, before = rates((100, "80"), (80, "25")), rates((300, "80"), (240, "62.5"))
    found = bottleneck(now, before, [], [])
    # s1: 25% went on now against 62.5% before: 60% worse.
    assert (found.kind, found.key, found.change_pct) == ("conversion", "s1", 60)
    assert bottleneck(rates((3, "0")), rates((3, "100")), [], []) is None  # too few to judge


def test_stage_conversions_are_decided_by_exits_in_the_period(org, october):
    by_key = {c.key: c for c in conversions(org.rep, OCTOBER)}
    # In October three deals left discovery, two left solution and negotiation, one left
    # contracting (won); none was lost, so every stage went on at 100%.
    assert (by_key["discovery"].entrants, by_key["discovery"].rate) == (3, Decimal("100.0"))
    assert (by_key["negotiation"].entrants, by_key["contracting"].entrants) == (2, 1)
    assert by_key["qualified"].entrants == 8  # October is over: the lead steps count


def test_page_downloads_and_draft_playbook(client, org, october, loose_grading):
    client.force_login(org.ops)
    page = client.get("/insights/review/?month=2026-10").content.decode()
    assert 'data-stage="solution"' in page and 'data-verdict="too_loose"' in page
    xlsx = client.get("/insights/review/?month=2026-10&format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 8
    assert any("85" in str(row[0]) for row in book.worksheets[-1].iter_rows(values_only=True))
    docx = client.get("/insights/review/?month=2026-10&format=docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "2026-10" in text and "30.0" in text
    active = PlaybookVersion.objects.get(is_active=True)
    response = client.post("/insights/review/draft/?month=2026-10")
    draft = PlaybookVersion.objects.order_by("-number").first()
    assert response.status_code == 302 and response["Location"] == f"/playbook/{draft.pk}/"
    assert not draft.is_active and PlaybookVersion.objects.get(is_active=True) == active
    assert parsed(draft).bant.grades.a == 85 and "2026-10" in draft.comment
    assert active_playbook().bant.grades.a == 75


def test_a_manager_cannot_draft_and_another_team_is_404(client, org, october, loose_grading):
    client.force_login(org.manager)
    assert (
        'data-testid="review-draft"'
        not in client.get("/insights/review/?month=2026-10").content.decode()
    )
    client.post("/insights/review/draft/?month=2026-10")
    assert PlaybookVersion.objects.count() == 1
    assert client.get(f"/insights/review/?team={org.north.pk}").status_code == 404


def test_sent_to_managers_once_a_month(org):
    sent = review_send(period=OCTOBER)
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {"manager", "northmgr", "ops", "director"} and sent.recipients == 4
    assert all(n.email_due_at for n in Notification.objects.all())
    assert review_send(period=OCTOBER) is None
    assert Notification.objects.count() == 4
    assert MONTHLY["sop_review"] is review_last_month
    # The job on 2 December sends November's.
    with time_machine.travel(datetime(2026, 12, 2, 1, tzinfo=ZoneInfo("Asia/Shanghai"))):
        assert review_last_month().month == month_period(2026, 11).start
    assert MonthlyReview.objects.count() == 2
