"""The demo shows what it promises whatever day it is loaded on (CI loads it at each awkward
instant of its clock passes): its two years of past deals, a deal open in each stage, the
lapses the monitor raises, last month's review with its intake, channel spend for each of the
last six months. Here because this package loads the demo once for its tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from salesop.accounts.models import User
from salesop.activities.models import Activity
from salesop.core.time import company_today
from salesop.deals.models import Deal
from salesop.insights.models import MonthlyReview
from salesop.insights.review import review
from salesop.insights.rules import month_period, months_back
from salesop.leads.models import ChannelSpend, ImportJob
from salesop.monitor.models import Alert
from salesop.playbook.selectors import active_playbook

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_part_on_the_day_it_is_loaded(demo_company):
    history = ImportJob.objects.get(kind="deals")  # two years of past deals, none refused
    assert (history.created_count, history.errors) == (320, [])
    stages = {s.key for s in active_playbook().stages}
    assert set(Deal.objects.filter(status="open").values_list("stage", flat=True)) == stages
    kinds = set(Alert.objects.filter(status="open").values_list("kind", flat=True))
    assert {"deal.stage_overdue", "deal.signing_overdue", "contract.signing_overdue"} <= kinds
    today = company_today()
    last_month = month_period(today.year, today.month).previous()
    assert MonthlyReview.objects.filter(month=last_month.start).exists()
    seen = review(User.objects.get(username="ops"), last_month)
    assert not seen.empty and seen.headline[0].now >= 18, "the demo's 18 leads of last month"
    spent = set(ChannelSpend.objects.values_list("month", flat=True))
    assert {m.start for m in months_back(today, 6)} <= spent
    # nothing in the demo's story lies ahead (a short history's call fell ten hours ahead); an
    # hour's margin for the clock passes, where each test starts again at the instant the
    # module's demo was built from
    ahead = timezone.now() + timedelta(hours=1)
    assert not Activity.objects.filter(occurred_at__gt=ahead).exists()


def test_the_demo_search_box_finds_records_for_each_role(demo_company):
    from salesop.contracts.models import Contract
    from salesop.web.search import search

    def found(username, q):
        user = User.objects.get(username=username)
        return {(h.kind, h.title) for g in search(user, q).groups for h in g.hits}

    assert ("lead", "嘉兴恒通冷链物流有限公司") in found("rep", "ZHOU_HENGTONG")  # a WeChat id
    assert ("lead", "嘉兴恒通冷链物流有限公司") in found("manager", "138 0571 0001")
    assert ("lead", "Pacific Rim Foods Ltd.") in found("ops", "+852 9123")
    contract = Contract.objects.exclude(number="").first()
    assert ("contract", contract.number) in found("legal", contract.number)


def test_the_demo_shows_custom_fields_on_records_and_to_sales_ops(demo_company):
    from salesop.core.testing import signed_in
    from salesop.deals.models import Deal

    deal = Deal.objects.exclude(custom=None).filter(owner__username="rep").first()
    page = signed_in(deal.owner).get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="custom-procurement"' in page
    ops_page = signed_in(User.objects.get(username="ops")).get("/playbook/fields/")
    assert "注册资本" in ops_page.content.decode()  # ops reads Chinese in the demo
