"""The ideal customer profile finds a planted signal in generated history, and proves it on
later deals; the win model does the same for BANT answers; too little data says so."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from salesop.core.testing import make_channel
from salesop.customers import icp
from salesop.customers.models import Account
from salesop.customers.profiling import icp_rebuild, lead_fit, win_model_train
from salesop.deals.models import Deal
from salesop.leads.models import Lead
from salesop.playbook.selectors import active_version

pytestmark = pytest.mark.django_db

INDUSTRIES = ["物流", "制造业", "零售", "医药", "教育"]
REGIONS = ["上海", "北京", "浙江", "广东"]


def history(org, n=400, seed=3):
    """Closed deals from converted leads. Planted: logistics companies and A-grade BANT answers
    win far more often; region is noise."""
    rng = random.Random(seed)
    channel = make_channel()
    version = active_version()
    start = timezone.now() - timedelta(days=2 * n)
    strong = {"budget": "confirmed", "authority": "decision_maker"}
    weak = {"budget": "unknown", "authority": "user"}
    for i in range(n):
        industry = rng.choice(INDUSTRIES)
        good_bant = rng.random() < 0.5
        p = 0.15 + (0.45 if industry == "物流" else 0) + (0.3 if good_bant else 0)
        won = rng.random() < p
        account = Account.objects.create(
            name=f"历史客户 {i}",
            normalized_name=f"h{i}",
            owner=org.rep,
            team=org.rep.team,
            industry=industry,
            region=rng.choice(REGIONS),
        )
        closed = start + timedelta(days=2 * i)
        deal = Deal.objects.create(
            name=f"deal {i}",
            account=account,
            owner=org.rep,
            team=org.rep.team,
            amount=Decimal(100000),
            stage="won" if won else "lost",
            status="won" if won else "lost",
            playbook_version=version,
            closed_at=closed,
        )
        Lead.objects.create(
            company_name=account.name,
            channel=channel,
            owner=org.rep,
            team=org.rep.team,
            status="converted",
            deal=deal,
            account=account,
            industry=industry,
            bant=strong if good_bant else weak,
            created_at=closed - timedelta(days=40),
        )


def test_icp_finds_the_planted_signal_and_proves_it_on_later_deals(org):
    history(org)
    snapshot = icp_rebuild()
    report = snapshot.report
    assert report["enough_data"], report["message"]
    in_profile = {(s["attribute"], s["value"]) for s in report["stats"] if s["in_profile"]}
    assert ("industry", "物流") in in_profile
    assert not any(a == "region" for a, _v in in_profile)
    logistics = next(s for s in report["stats"] if s["value"] == "物流")
    assert logistics["lift"] > 1.5 and logistics["deals"] > 40
    assert report["holdout_auc"] > 0.6
    top, bottom = report["deciles"][-1]["win_rate"], report["deciles"][0]["win_rate"]
    assert top > bottom


def test_new_leads_get_an_icp_fit(org):
    history(org)
    icp_rebuild()
    channel = make_channel()
    good = Lead(company_name="x", channel=channel, industry="物流")
    other = Lead(company_name="y", channel=channel, industry="教育")
    assert lead_fit(good) > lead_fit(other)


def test_win_model_is_calibrated_and_checked_on_later_deals(org):
    history(org, n=500)
    icp_rebuild()
    report = win_model_train().report
    assert report["enough_data"], report["message"]
    assert report["holdout_auc"] > 0.65
    calibration = report["calibration"]
    assert calibration[-1]["actual"] > calibration[0]["actual"]
    for row in calibration:
        assert abs(row["predicted"] - row["actual"]) < 0.35


def test_too_little_data_says_so(org):
    from django.utils import translation

    history(org, n=12)
    with translation.override("en"):
        snapshot = icp_rebuild()
        model = win_model_train()
    assert not snapshot.report["enough_data"] and "not enough data" in snapshot.report["message"]
    assert "not enough data" in model.report["message"]


def test_auc_and_significance_rules():
    assert icp.auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == 0.75
    assert icp.auc([1, 2], [True, True]) is None
    base, stats = icp.value_stats(
        [
            icp.DealRow(timezone.now(), won, {"x": (v,)})
            for v, won in [("a", True)] * 9
            + [("a", False)]
            + [("b", False)] * 30
            + [("b", True)] * 5
        ]
    )
    a = next(s for s in stats if s.value == "a")
    assert a.in_profile and a.lift > 2 and a.z > 2.24  # Bonferroni over the 2 values tested


def test_icp_page_and_cli(client, org):
    client.force_login(org.rep)
    assert client.get("/customers/icp/").status_code == 200
    history(org)
    icp_rebuild()
    win_model_train()
    page = client.get("/customers/icp/").content.decode()
    assert 'data-testid="icp-stats"' in page and "物流" in page
    assert client.post("/customers/icp/").status_code == 403


def test_leads_sort_and_filter_by_icp_fit(client, org):
    from salesop.core.testing import make_lead

    history(org)
    icp_rebuild()
    good = make_lead(org.rep, company="顺丰速运某公司", industry="物流", phone="13511112222")
    make_lead(org.rep, company="某学校", industry="教育", phone="13511113333")
    client.force_login(org.rep)
    ranked = client.get("/api/v1/leads?sort=fit").json()["items"]
    assert ranked[0]["id"] == good.pk
    assert ranked[0]["icp_fit"] > ranked[1]["icp_fit"]
    best = client.get(f"/api/v1/leads?fit_min={ranked[0]['icp_fit']}").json()["items"]
    assert [lead["id"] for lead in best] == [good.pk]


def test_rebuild_button_runs_in_the_background_with_progress(
    client, org, django_capture_on_commit_callbacks
):
    from salesop.customers.models import TrainingRun

    history(org, n=60)
    client.force_login(org.ops)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/customers/icp/")
    run = TrainingRun.objects.get()
    assert run.status == "done" and run.processed == run.total
    partial = client.get("/customers/icp/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="training"' in partial and "hx-trigger" not in partial
    assert "物流" in client.get("/customers/icp/").content.decode()


def test_an_edited_lead_is_fitted_again(org):
    from salesop.core.testing import make_lead
    from salesop.leads.services import lead_update

    history(org)
    icp_rebuild()
    lead = make_lead(org.rep, industry="教育")
    before = lead.icp_fit
    lead_update(lead=lead, by=org.rep, industry="物流")  # the rep learned what they really do
    lead.refresh_from_db()
    assert lead.icp_fit > before
