"""Building the ideal customer profile and the win model from the database, and scoring leads
with them. Run by `salesop train`, the nightly job, and the ICP page's rebuild button."""

from collections.abc import Iterator
from dataclasses import asdict

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.core.batches import batches
from salesop.customers import icp
from salesop.customers.models import DecisionRole, ProfileSnapshot, TrainingRun
from salesop.deals.models import Deal, DealStatus, KeywordTag, StakeholderRole
from salesop.leads.models import Lead
from salesop.leads.prediction import TrainRow, predict, train
from salesop.monitor.heartbeat import beating
from salesop.monitor.jobs import nightly

OPEN_LEADS = ("new", "contacted", "qualified", "nurturing")
BATCH = 2000


def deal_attributes(deal: Deal) -> dict[str, tuple[str, ...]]:
    account = deal.account
    lead = getattr(deal, "source_lead", None)
    deciders = max(getattr(deal, "deciders", 0), getattr(deal, "chain_size", 0))
    chain = "multi-level" if deciders >= 2 else "single"
    # Pains come from the lead's form and from the tags the rep confirmed in discovery.
    confirmed = tuple(tag.term for tag in getattr(deal, "pain_keywords", ()))
    pains = tuple(dict.fromkeys((*(lead.pain_tags if lead else ()), *confirmed)))
    return {
        "industry": (account.industry,) if account.industry else (),
        "size": (account.employee_band,) if account.employee_band else (),
        "region": (account.region,) if account.region else (),
        "decision_chain": (chain,),
        "pain": pains,
        "channel": (lead.channel.name,) if lead else (),
    }


def lead_attributes(lead: Lead) -> dict[str, tuple[str, ...]]:
    return {
        "industry": (lead.industry,) if lead.industry else (),
        "size": (lead.employee_band,) if lead.employee_band else (),
        "region": (lead.region,) if lead.region else (),
        "pain": tuple(lead.pain_tags),
        "channel": (lead.channel.name,),
    }


def _closed_deals() -> Iterator[Deal]:
    deciders = Count(
        "account__contacts",
        filter=Q(
            account__contacts__decision_role__in=[
                DecisionRole.DECISION_MAKER,
                DecisionRole.INFLUENCER,
            ]
        ),
        distinct=True,
    )
    return (
        Deal.objects.filter(status__in=[DealStatus.WON, DealStatus.LOST], closed_at__isnull=False)
        .select_related("account", "source_lead__channel")
        .annotate(
            deciders=deciders,
            chain_size=Count(
                "stakeholders",
                filter=~Q(stakeholders__role=StakeholderRole.BLOCKER),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch(
                "keywords",
                queryset=KeywordTag.objects.filter(confirmed=True, is_pain=True),
                to_attr="pain_keywords",
            )
        )
        .iterator(chunk_size=BATCH)
    )


def icp_rebuild(progress=None) -> ProfileSnapshot:
    rows = [
        icp.DealRow(d.closed_at, d.status == DealStatus.WON, deal_attributes(d))
        for d in _closed_deals()
    ]
    profile = icp.build_profile(rows)
    report = {
        "enough_data": profile.enough_data,
        "message": profile.message,
        "base_rate": profile.base_rate,
        "train_deals": profile.train_deals,
        "holdout_deals": profile.holdout_deals,
        "holdout_auc": profile.holdout_auc,
        "deciles": profile.deciles,
        "stats": [asdict(s) for s in profile.stats],
    }
    lifts = {f"{a}\x1f{v}": w for (a, v), w in profile.log_lifts().items()}
    snapshot = ProfileSnapshot.objects.create(kind="icp", report=report, params={"lifts": lifts})
    if profile.enough_data:
        score_open_leads(snapshot, progress)
    return snapshot


def _lifts(snapshot: ProfileSnapshot) -> dict[tuple[str, str], float]:
    return {tuple(k.split("\x1f", 1)): w for k, w in snapshot.params.get("lifts", {}).items()}


def latest(kind: str) -> ProfileSnapshot | None:
    return ProfileSnapshot.objects.filter(kind=kind).first()


def lead_fit(lead: Lead, snapshot: ProfileSnapshot | None = None) -> float | None:
    snapshot = snapshot or latest("icp")
    if snapshot is None or not snapshot.report.get("enough_data"):
        return None
    return round(icp.fit(lead_attributes(lead), _lifts(snapshot)), 4)


def score_open_leads(snapshot: ProfileSnapshot, progress=None) -> int:
    lifts = _lifts(snapshot)
    count = 0
    for batch in _open_leads():
        for lead in batch:
            lead.icp_fit = round(icp.fit(lead_attributes(lead), lifts), 4)
        count += Lead.objects.bulk_update(batch, ["icp_fit"])
        if progress:
            progress(count)
    return count


def _open_leads() -> Iterator[list[Lead]]:
    # Scores are written batch by batch while the leads are read: core.batches, not
    # iterator(), so no read is open when they are (it says why).
    leads = Lead.objects.filter(status__in=OPEN_LEADS).select_related("channel")
    return batches(leads, ordering=("pk",), size=BATCH)


def win_model_train(progress=None) -> ProfileSnapshot:
    snapshot_icp = latest("icp")
    lifts = _lifts(snapshot_icp) if snapshot_icp else {}
    rows = []
    converted = (
        Lead.objects.filter(
            deal__status__in=[DealStatus.WON, DealStatus.LOST], deal__closed_at__isnull=False
        )
        .select_related("deal", "channel")
        .iterator(chunk_size=BATCH)
    )
    for lead in converted:
        rows.append(
            TrainRow(
                lead.deal.closed_at,
                lead.deal.status == DealStatus.WON,
                lead.bant,
                icp.fit(lead_attributes(lead), lifts),
                lead.channel.name,
            )
        )
    model = train(rows)
    report = model.as_json()
    snapshot = ProfileSnapshot.objects.create(kind="win_model", report=report, params=report)
    if model.enough_data:
        scored = 0
        for batch in _open_leads():
            for lead in batch:
                lead.win_probability = round(
                    predict(
                        report, bant=lead.bant, icp_fit=lead.icp_fit, channel=lead.channel.name
                    ),
                    4,
                )
            scored += Lead.objects.bulk_update(batch, ["win_probability"])
            if progress:
                progress(scored)
    return snapshot


def train_all(run: TrainingRun | None = None) -> tuple[ProfileSnapshot, ProfileSnapshot]:
    """Both models, reporting progress on `run` (the page's progress bar) when given; a run
    beats while it trains, so one whose worker dies is trained again by the sweep."""
    if run is None:
        return _train(None)  # the nightly job: its scheduled run beats for it
    with beating("customers.training", run):
        return _train(run)


def training_fail(*, job: TrainingRun, reason: str) -> None:
    TrainingRun.objects.filter(pk=job.pk, status__in=("queued", "running")).update(
        status="failed",
        message=" ".join((reason, _("Rebuild again.")))[:500],
        finished_at=timezone.now(),
    )


def _train(run: TrainingRun | None) -> tuple[ProfileSnapshot, ProfileSnapshot]:
    open_leads = Lead.objects.filter(status__in=OPEN_LEADS).count()
    if run is not None:
        TrainingRun.objects.filter(pk=run.pk).update(status="running", total=2 * open_leads + 2)

    def step(name: str, done: int) -> None:
        if run is not None:
            TrainingRun.objects.filter(pk=run.pk).update(step=name, processed=done)

    step("icp", 0)
    profile = icp_rebuild(progress=lambda n: step("icp", 1 + n))
    step("win_model", 1 + open_leads)
    model = win_model_train(progress=lambda n: step("win_model", 2 + open_leads + n))
    if run is not None:
        TrainingRun.objects.filter(pk=run.pk).update(
            status="done", processed=2 * open_leads + 2, finished_at=timezone.now()
        )
    return profile, model


@nightly("ideal customer profile and win model")
def nightly_training() -> None:
    train_all()
