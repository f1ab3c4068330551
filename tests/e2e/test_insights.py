"""SOP part 6 in the browser: sales ops open the insights dashboard, switch the month and the
team, open the monthly review and download it as XLSX and Word."""

import io
from datetime import timedelta

from django.utils import timezone
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

from salesop.core.testing import make_channel, make_org
from salesop.insights.rules import month_period
from salesop.leads.models import Lead
from tests.e2e.test_shell import log_in


def test_dashboard_period_team_and_monthly_review(page, transactional_db, tmp_path):
    org = make_org()
    channel = make_channel()
    now, today = timezone.now(), timezone.localdate()
    this_month = month_period(today.year, today.month)
    last_month = this_month.previous()
    for owner, count, when in (
        (org.rep, 3, now),
        (org.outsider, 2, now),
        (org.rep, 1, now - timedelta(days=today.day + 3)),  # last month
    ):
        for i in range(count):
            Lead.objects.create(
                owner=owner,
                team=owner.team,
                channel=channel,
                company_name=f"{owner} {i}",
                created_at=when,
            )

    log_in(page, "ops")
    page.goto("/insights/")
    leads = page.get_by_test_id("step-leads").locator("td").nth(1)
    expect(leads).to_have_text("5")
    # The chart beside the table is drawn (ECharts, under the strict CSP).
    expect(page.get_by_test_id("funnel-chart").locator("svg").first).to_be_visible()

    filters = page.get_by_test_id("insights-filter")
    filters.locator("input[name=month]").fill(f"{last_month.start:%Y-%m}")
    filters.get_by_role("button").click()
    expect(leads).to_have_text("1")

    filters.locator("input[name=month]").fill(f"{this_month.start:%Y-%m}")
    filters.locator("select[name=team]").select_option(label="North China")
    filters.get_by_role("button").click()
    expect(leads).to_have_text("2")
    expect(page).to_have_url(
        f"/insights/?month={this_month.start:%Y-%m}&team={org.north.pk}"
        "&owner=&channel=&industry=&grade="
    )

    page.get_by_test_id("tab-review").click()
    expect(page.get_by_test_id("headline-leads")).to_have_text("2")
    with page.expect_download() as info:
        page.get_by_test_id("review-xlsx").click()
    book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    assert len(book.sheetnames) == 8 and info.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as info:
        page.get_by_test_id("review-docx").click()
    text = "\n".join(p.text for p in Document(info.value.path()).paragraphs)
    assert f"{this_month.start:%Y-%m}" in text
    assert page.console_errors == []
