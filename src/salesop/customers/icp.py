"""The ideal customer profile, measured: which attribute values of past deals won more often
than the base rate, by how much, on how many deals, and whether that holds on later deals
the profile was not built from. Pure functions over plain rows."""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist

from django.utils.translation import gettext as _

MIN_DEALS = 30  # closed deals needed before a profile says anything
MIN_SAMPLE = 8  # deals with a value before its lift can count
ALPHA = 0.05  # family-wise: split over every value tested (Bonferroni), so noise rarely passes
SMOOTHING = 5.0  # pseudo-deals at the base rate, so rare values do not swing the fit


@dataclass(frozen=True)
class DealRow:
    closed_at: datetime
    won: bool
    attributes: dict[str, tuple[str, ...]]  # e.g. {"industry": ("物流",), "pain": ("合规", ...)}


@dataclass
class ValueStat:
    attribute: str
    value: str
    deals: int
    wins: int
    win_rate: float
    lift: float
    z: float
    in_profile: bool


@dataclass
class Profile:
    base_rate: float = 0.0
    train_deals: int = 0
    holdout_deals: int = 0
    stats: list[ValueStat] = field(default_factory=list)
    holdout_auc: float | None = None
    deciles: list[dict] = field(default_factory=list)  # fit decile -> deals, win rate
    enough_data: bool = False
    message: str = ""

    def criteria(self) -> list[ValueStat]:
        return [s for s in self.stats if s.in_profile]

    def log_lifts(self) -> dict[tuple[str, str], float]:
        return {(s.attribute, s.value): _smoothed_log_lift(s, self.base_rate) for s in self.stats}


def _smoothed_log_lift(stat: ValueStat, base: float) -> float:
    rate = (stat.wins + SMOOTHING * base) / (stat.deals + SMOOTHING)
    return math.log(rate / base) if base > 0 and rate > 0 else 0.0


def _z(wins: int, n: int, rest_wins: int, rest_n: int) -> float:
    """Two-proportion z statistic: this value's win rate against all other deals'."""
    if n == 0 or rest_n == 0:
        return 0.0
    pooled = (wins + rest_wins) / (n + rest_n)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / rest_n))
    return (wins / n - rest_wins / rest_n) / spread if spread else 0.0


def value_stats(rows: list[DealRow]) -> tuple[float, list[ValueStat]]:
    total = len(rows)
    wins = sum(r.won for r in rows)
    base = wins / total if total else 0.0
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for attribute, values in row.attributes.items():
            for value in set(values):
                counts[(attribute, value)][0] += 1
                counts[(attribute, value)][1] += row.won
    tested = sum(1 for n, _w in counts.values() if n >= MIN_SAMPLE) or 1
    z_critical = NormalDist().inv_cdf(1 - ALPHA / (2 * tested))
    stats = []
    for (attribute, value), (n, w) in sorted(counts.items()):
        rate = w / n
        z = _z(w, n, wins - w, total - n)
        lift = rate / base if base else 0.0
        stats.append(
            ValueStat(
                attribute,
                value,
                n,
                w,
                rate,
                lift,
                z,
                in_profile=n >= MIN_SAMPLE and lift > 1 and z >= z_critical,
            )
        )
    return base, stats


def fit(attributes: dict[str, Iterable[str]], log_lifts: dict[tuple[str, str], float]) -> float:
    """How much a record looks like past wins: the sum of its values' (smoothed) log-lifts."""
    return sum(log_lifts.get((a, v), 0.0) for a, values in attributes.items() for v in set(values))


def auc(scores: list[float], labels: list[bool]) -> float | None:
    """Probability that a random win scores above a random loss (ties count half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        rank_sum += average_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def deciles(scores: list[float], labels: list[bool], buckets: int = 10) -> list[dict]:
    ranked = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])
    out = []
    for b in range(buckets):
        part = ranked[b * len(ranked) // buckets : (b + 1) * len(ranked) // buckets]
        if part:
            out.append(
                {
                    "decile": b + 1,
                    "deals": len(part),
                    "win_rate": sum(w for _s, w in part) / len(part),
                }
            )
    return out


def build_profile(rows: Iterable[DealRow], holdout_share: float = 0.3) -> Profile:
    """Builds on the earlier deals, verifies on the later ones (time order, never shuffled)."""
    ordered = sorted(rows, key=lambda r: r.closed_at)
    profile = Profile()
    if len(ordered) < MIN_DEALS or len({r.won for r in ordered}) < 2:
        profile.message = _(
            "not enough data: %(n)d closed deals, at least %(need)d with both wins and losses "
            "are needed"
        ) % {"n": len(ordered), "need": MIN_DEALS}
        return profile
    cut = int(len(ordered) * (1 - holdout_share))
    train, holdout = ordered[:cut], ordered[cut:]
    profile.base_rate, profile.stats = value_stats(train)
    profile.train_deals, profile.holdout_deals = len(train), len(holdout)
    lifts = profile.log_lifts()
    scores = [fit(r.attributes, lifts) for r in holdout]
    labels = [r.won for r in holdout]
    profile.holdout_auc = auc(scores, labels)
    profile.deciles = deciles(scores, labels)
    profile.enough_data = profile.holdout_auc is not None
    if not profile.enough_data:
        profile.message = _(
            "the later deals are all wins or all losses: the profile cannot be checked"
        )
    return profile
