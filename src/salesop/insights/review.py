"""The monthly SOP review (月度复盘): headline figures against the month before, the bottleneck
(the step whose conversion fell most, or the stage whose dwell rose most, against the three
months before), lapses by alert rule, the grading verdict, the channel recommendation, the top
loss reasons and feedback themes, and proposed SOP changes each with its evidence. Sales ops
turn the proposals that change the playbook into a draft version."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.insights import selectors
from salesop.insights.channels import ChannelReport
from salesop.insights.compliance import MEASURES, Card
from salesop.insights.filters import Filters
from salesop.insights.losses import Losses
from salesop.insights.rules import Period, Step, bounds, months_to
from salesop.insights.selectors import Conversion, Duration, Dwell, Grading
from salesop.monitor.models import Alert

# A change smaller than this (relative to the baseline) is not a bottleneck.
BOTTLENECK_MIN_CHANGE = Decimal("0.2")
# A step needs this many entrants, now and in the baseline, for its conversion to be judged.
MIN_ENTRANTS = 5
# A compliance measure below this share gets a proposal.
COMPLIANCE_FLOOR = Decimal("70")

ALERT_LABELS = {
    "lead.first_contact_overdue": gettext_lazy("Lead not contacted within the SLA"),
    "lead.not_followed_up": gettext_lazy("Lead not followed up"),
    "deal.stage_overdue": gettext_lazy("Deal over its stage's maximum dwell"),
    "deal.signing_overdue": gettext_lazy("Signing date passed"),
    "contract.signing_overdue": gettext_lazy("Contract not signed in time"),
    "ticket.first_response_overdue": gettext_lazy("Ticket not answered in time"),
    "ticket.solution_direction_overdue": gettext_lazy(
        "Ticket without a solution direction in time"
    ),
    "project.update_missing": gettext_lazy("Weekly progress update missing"),
    "approval.pending_too_long": gettext_lazy("Approval waiting too long"),
}


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    now: Decimal | int | None
    before: Decimal | int | None


@dataclass(frozen=True)
class Bottleneck:
    kind: str  # "conversion" or "dwell"
    key: str
    label: str
    now: Decimal | float
    baseline: Decimal | float
    against: str  # "baseline" or "playbook" (its maximum dwell, when there is no baseline)
    change: Decimal  # relative, e.g. 0.43 for 43% worse

    @property
    def change_pct(self) -> Decimal:
        return (self.change * 100).quantize(Decimal("1"))


@dataclass(frozen=True)
class ProposedChange:
    title: str
    evidence: str
    # Playbook paths and values (see playbook_text_with); empty for changes outside it.
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Review:
    period: Period
    baseline: Period
    empty: bool
    headline: list[Headline]
    steps: list[Step]
    dwells: list[Dwell]
    durations: list[Duration]
    bottleneck: Bottleneck | None
    lapses: list[tuple[str, str, int]]
    compliance: Card
    grading: Grading
    channels: ChannelReport
    losses: Losses
    proposals: list[ProposedChange]

    @property
    def bottleneck_text(self) -> str:
        b = self.bottleneck
        if b is None:
            return _("No step got materially worse against the three months before.")
        if b.kind == "conversion":
            return _(
                "%(stage)s: %(now)s%% went on, against %(ref)s%% in the three months before "
                "(%(change)s%% worse)."
            ) % {"stage": b.label, "now": b.now, "ref": b.baseline, "change": b.change_pct}
        reference = (
            _("%(days)s days in the three months before")
            if b.against == "baseline"
            else _("the playbook's maximum of %(days)s days")
        ) % {"days": b.baseline}
        return _(
            "%(stage)s: deals stayed a median of %(now)s days, against %(reference)s "
            "(%(change)s%% longer)."
        ) % {"stage": b.label, "now": b.now, "reference": reference, "change": b.change_pct}

    @property
    def grading_text(self) -> str:
        g = self.grading
        texts = {
            "too_loose": _(
                "Too loose: A leads won %(a)s%%, not clearly more than B leads (%(b)s%%)."
            ),
            "too_strict": _(
                "Too strict: C leads won %(c)s%%, at least half as often as B leads (%(b)s%%)."
            ),
            "insufficient": _("Too few decided A or B leads to judge the thresholds."),
            "ok": _("The thresholds separate winners (A %(a)s%%, B %(b)s%%, C %(c)s%%)."),
        }
        return texts[g.verdict] % {
            "a": g.rates["A"].rate,
            "b": g.rates["B"].rate,
            "c": g.rates["C"].rate,
        }

    @property
    def playbook_changes(self) -> dict:
        merged = {}
        for proposal in self.proposals:
            merged.update(proposal.changes)
        return merged


def bottleneck(
    now: list[Conversion],
    baseline: list[Conversion],
    dwells: list[Dwell],
    baseline_dwells: list[Dwell],
) -> Bottleneck | None:
    """The largest relative worsening: a step's conversion against the baseline's, or a
    stage's median dwell against the baseline's (or, without one, the playbook maximum)."""
    found: list[Bottleneck] = []
    base_by_key = {c.key: c for c in baseline}
    for step in now:
        base = base_by_key.get(step.key)
        if base is None or min(step.entrants, base.entrants) < MIN_ENTRANTS or not base.rate:
            continue
        drop = (base.rate - step.rate) / base.rate
        found.append(
            Bottleneck("conversion", step.key, step.label, step.rate, base.rate, "baseline", drop)
        )
    before = {d.stage: d for d in baseline_dwells}
    for dwell in dwells:
        if dwell.median_days is None:
            continue
        base = before.get(dwell.stage)
        if base is not None and base.median_days:
            reference, against = base.median_days, "baseline"
        elif dwell.limit_days:
            reference, against = dwell.limit_days, "playbook"
        else:
            continue
        rise = Decimal(str(dwell.median_days)) / Decimal(str(reference)) - 1
        found.append(
            Bottleneck(
                "dwell", dwell.stage, dwell.label, dwell.median_days, reference, against, rise
            )
        )
    worst = max(found, key=lambda b: b.change, default=None)
    return worst if worst is not None and worst.change >= BOTTLENECK_MIN_CHANGE else None


def _lapses(user: User, period: Period, filters: Filters) -> list[tuple[str, str, int]]:
    start, end = bounds(period)
    owners = selectors.compliance_scope(user, period, filters).owners
    rows = (
        Alert.objects.filter(opened_at__gte=start, opened_at__lt=end, level=0)
        .filter(Q(owner__in=owners.values("pk")))
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n", "kind")
    )
    return [(r["kind"], str(ALERT_LABELS.get(r["kind"], r["kind"])), r["n"]) for r in rows]


def _proposals(review_parts: dict) -> list[ProposedChange]:
    grading: Grading = review_parts["grading"]
    found: Bottleneck | None = review_parts["bottleneck"]
    channels: ChannelReport = review_parts["channels"]
    losses: Losses = review_parts["losses"]
    card: Card = review_parts["compliance"]
    proposals = []
    if grading.proposal is not None and grading.verdict in ("too_loose", "too_strict"):
        p, now = grading.proposal, grading.rates
        proposals.append(
            ProposedChange(
                _("Grade A from %(a)d points and B from %(b)d (now %(a0)d and %(b0)d)")
                % {"a": p.a, "b": p.b, "a0": grading.current[0], "b0": grading.current[1]},
                _(
                    "Screening is %(verdict)s: A leads won %(ra)s%% and B leads %(rb)s%% over "
                    "the last year; with the new thresholds A would have won %(pa)s%% and B "
                    "%(pb)s%%."
                )
                % {
                    "verdict": _("too loose")
                    if grading.verdict == "too_loose"
                    else _("too strict"),
                    "ra": now["A"].rate,
                    "rb": now["B"].rate,
                    "pa": p.rates["A"].rate,
                    "pb": p.rates["B"].rate,
                },
                {("bant", "grades", "a"): p.a, ("bant", "grades", "b"): p.b},
            )
        )
    if found is not None:
        if found.kind == "dwell":
            evidence = _(
                "Deals left %(stage)s after a median of %(now)s days against %(ref)s %(against)s."
            ) % {
                "stage": found.label,
                "now": found.now,
                "ref": found.baseline,
                "against": _("in the three months before")
                if found.against == "baseline"
                else _("allowed by the playbook"),
            }
        else:
            evidence = _(
                "Only %(now)s%% went on from %(stage)s, against %(ref)s%% in the three months "
                "before."
            ) % {"stage": found.label, "now": found.now, "ref": found.baseline}
        proposals.append(
            ProposedChange(
                _(
                    "Review how the team works the %(stage)s step: coach it in the next "
                    "enablement session and check its checklist still fits"
                )
                % {"stage": found.label},
                evidence,
            )
        )
    if channels.shift is not None:
        shift = channels.shift
        proposals.append(
            ProposedChange(
                _("Move budget from %(away)s to %(to)s")
                % {"away": shift.away.name, "to": shift.to.name},
                _(
                    "ROI %(to_roi)s%% against %(away_roi)s%%; cost per lead %(to_cpl)s against "
                    "%(away_cpl)s; graded A %(to_a)s%% against %(away_a)s%%."
                )
                % {
                    "to_roi": shift.to.roi,
                    "away_roi": shift.away.roi,
                    "to_cpl": shift.to.cost_per_lead,
                    "away_cpl": shift.away.cost_per_lead,
                    "to_a": shift.to.a_share,
                    "away_a": shift.away.a_share,
                },
            )
        )
    recorded = [bar for bar in losses.reasons if bar.key]  # nothing from "not recorded"
    if recorded and recorded[0].share and recorded[0].share >= 30:
        top = recorded[0]
        proposals.append(
            ProposedChange(
                _(
                    "Answer “%(reason)s” earlier: add it to the objection library and the "
                    "proposal template"
                )
                % {"reason": top.label},
                _("%(share)s%% of the deals lost this month (%(n)d) were lost for it.")
                % {"share": top.share, "n": top.count},
            )
        )
    for key, tally in card.measures.items():
        if tally.total and tally.pct is not None and tally.pct < COMPLIANCE_FLOOR:
            proposals.append(
                ProposedChange(
                    _("Enforce “%(measure)s”: review the misses with each person")
                    % {"measure": MEASURES[key]},
                    _("Only %(pct)s%% complied (%(ok)d of %(total)d).")
                    % {"pct": tally.pct, "ok": tally.ok, "total": tally.total},
                )
            )
    if losses.themes:
        term, count = losses.themes[0]
        if count >= 2:
            proposals.append(
                ProposedChange(
                    _("Look into what customers say about “%(term)s”") % {"term": term},
                    _("%(n)d survey comments this month mention it.") % {"n": count},
                )
            )
    return proposals


def review(user: User, period: Period, filters: Filters | None = None) -> Review:
    """The review of the period as the user may see it."""
    filters = filters or Filters()
    baseline = months_to(period.previous(), 3)
    steps = selectors.funnel(user, period, filters)
    before_steps = selectors.funnel(user, period.previous(), filters)
    dwells = selectors.cycle_times(user, period, filters)
    found = bottleneck(
        selectors.conversions(user, period, filters),
        selectors.conversions(user, baseline, filters),
        dwells,
        selectors.cycle_times(user, baseline, filters),
    )
    compliance, _cards = selectors.compliance(user, period, filters)
    before_compliance, _cards = selectors.compliance(user, period.previous(), filters)
    parts = {
        "grading": selectors.grading(user, period, filters),
        "bottleneck": found,
        "channels": selectors.channels(user, period, filters),
        "losses": selectors.losses(user, period, filters),
        "compliance": compliance,
    }
    by_key = {s.key: s for s in steps}
    before_key = {s.key: s for s in before_steps}
    headline = [
        Headline("leads", _("Leads"), by_key["leads"].count, before_key["leads"].count),
        Headline("won_deals", _("Deals won"), compliance.won, before_compliance.won),
        Headline(
            "won_revenue", _("Won revenue"), compliance.won_revenue, before_compliance.won_revenue
        ),
        Headline("win_rate", _("Win rate (%)"), compliance.win_rate, before_compliance.win_rate),
        Headline(
            "compliance", _("SOP compliance score"), compliance.score, before_compliance.score
        ),
    ]
    return Review(
        period=period,
        baseline=baseline,
        empty=not steps[0].count and not compliance.won and not compliance.lost,
        headline=headline,
        steps=steps,
        dwells=dwells,
        durations=selectors.durations(user, period, filters),
        bottleneck=found,
        lapses=_lapses(user, period, filters),
        compliance=compliance,
        grading=parts["grading"],
        channels=parts["channels"],
        losses=parts["losses"],
        proposals=_proposals(parts),
    )
