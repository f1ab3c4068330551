"""Report pages cost the same number of queries however much data they cover (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesop.core.testing import make_channel, make_deal
from salesop.leads.models import Lead

from .conftest import at

pytestmark = pytest.mark.django_db
PAGES = {
    "/insights/?month=2026-10": 30,
    "/insights/channels/?month=2026-10": 13,
    "/insights/grading/?month=2026-10": 12,
    "/insights/compliance/?month=2026-10": 24,
    "/insights/compliance/checklist/?month=2026-10": 10,
    "/insights/losses/?month=2026-10": 16,
    "/insights/products/?month=2026-10": 12,
    "/insights/review/?month=2026-10": 85,
}


def counts(client, reading: str = "") -> dict[str, int]:
    """Each page's queries (those reading the table `reading`, if given)."""
    result = {}
    for url in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        result[url] = (
            sum(f'FROM "{reading}"' in q["sql"] for q in queries) if reading else len(queries)
        )
    return result


def test_report_pages_do_not_grow_with_the_data(client, org, october, loose_grading):
    client.force_login(org.manager)
    before = counts(client)
    channel = make_channel()
    for i in range(15):
        deal = make_deal(org.teammate, name=f"更多商机 {i}")
        deal.stage_events.update(at=at(3))
        Lead.objects.create(
            owner=org.teammate,
            team=org.teammate.team,
            channel=channel,
            company_name=f"更多线索 {i}",
            created_at=at(4),
            deal=deal,
            score=70,
            grade="B",
        )
    after = counts(client)
    assert after == before
    for url, limit in PAGES.items():
        assert after[url] <= limit, (url, after[url])


def test_past_months_cost_fewer_queries_from_the_aggregates(client, org, october):
    from datetime import date

    from salesop.insights.aggregates import refresh

    client.force_login(org.manager)
    live, live_leads = counts(client), counts(client, "leads_lead")
    refresh(date(2025, 9, 1), date(2026, 10, 31))
    from_aggregates, leads_read = counts(client), counts(client, "leads_lead")
    # The funnel is one query either way; from the aggregates it does not read the leads.
    assert leads_read["/insights/?month=2026-10"] < live_leads["/insights/?month=2026-10"]
    assert (
        from_aggregates["/insights/compliance/?month=2026-10"]
        < live["/insights/compliance/?month=2026-10"]
    )
