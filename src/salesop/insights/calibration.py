"""Grading calibration arithmetic (线索筛选是否过严或过松): win rates per grade with Wilson
intervals, the verdict on the current thresholds, and the thresholds that would have best
separated winners from losers on the same leads. Pure: the selectors bring (score, won) pairs."""

import math
from dataclasses import dataclass

# Fewer decided leads than this in a grade and its win rate says too little to judge.
MIN_DECIDED = 10
Z95 = 1.96


@dataclass(frozen=True)
class GradeRate:
    grade: str
    decided: int
    won: int
    low: float | None  # Wilson 95% interval, in percent
    high: float | None

    @property
    def rate(self) -> float | None:
        return round(self.won * 100 / self.decided, 1) if self.decided else None


def wilson(won: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion, in percent, rounded to 0.1; it stays
    inside 0-100 even for 0 or n successes and small n."""
    if not n:
        return None, None
    p = won / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return round(max(0.0, (centre - spread) / scale) * 100, 1), round(
        min(1.0, (centre + spread) / scale) * 100, 1
    )


def grade_of(score: int, a: int, b: int) -> str:
    return "A" if score >= a else "B" if score >= b else "C"


# Decided leads per score: score -> (decided, won). The database groups them, so a
# calibration costs the same for a hundred leads or a million.
Histogram = dict[int, tuple[int, int]]


def histogram(outcomes: list[tuple[int, bool]]) -> Histogram:
    counted: dict[int, list[int]] = {}
    for score, won in outcomes:
        bucket = counted.setdefault(score, [0, 0])
        bucket[0] += 1
        bucket[1] += won
    return {score: (n, w) for score, (n, w) in counted.items()}


def rates(outcomes: Histogram | list[tuple[int, bool]], a: int, b: int) -> dict[str, GradeRate]:
    hist = outcomes if isinstance(outcomes, dict) else histogram(outcomes)
    counts = {g: [0, 0] for g in "ABC"}
    for score, (n, won) in hist.items():
        bucket = counts[grade_of(score, a, b)]
        bucket[0] += n
        bucket[1] += won
    return {g: GradeRate(g, n, w, *wilson(w, n)) for g, (n, w) in counts.items()}


def verdict(by_grade: dict[str, GradeRate]) -> str:
    """ "insufficient" (too few decided A or B leads to tell), "too_loose" (A's interval reaches
    down to B's win rate: A does not win clearly more), "too_strict" (C leads, with enough of
    them to tell, win at least half as often as B) or "ok"."""
    a, b, c = by_grade["A"], by_grade["B"], by_grade["C"]
    if a.decided < MIN_DECIDED or b.decided < MIN_DECIDED:
        return "insufficient"
    if a.low <= b.rate:
        return "too_loose"
    if c.decided >= MIN_DECIDED and b.rate and c.rate >= b.rate / 2:
        return "too_strict"
    return "ok"


def _entropy(won: int, n: int) -> float:
    if not n or won in (0, n):
        return 0.0
    p = won / n
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


@dataclass(frozen=True)
class Proposal:
    a: int
    b: int
    rates: dict[str, GradeRate]


def propose(
    outcomes: Histogram | list[tuple[int, bool]], current: tuple[int, int], step: int = 5
) -> Proposal | None:
    """The A and B thresholds (multiples of `step`) that leave the least uncertainty about
    winning within each grade (the weighted entropy a two-split decision tree minimises), with
    at least MIN_DECIDED decided A and B leads and win rates falling from A to B to C; among
    equals, the one nearest the current thresholds. None when no pair qualifies."""
    best = None
    outcomes = outcomes if isinstance(outcomes, dict) else histogram(outcomes)
    for a in range(step, 101, step):
        for b in range(step, a, step):
            by_grade = rates(outcomes, a, b)
            ga, gb, gc = by_grade["A"], by_grade["B"], by_grade["C"]
            if ga.decided < MIN_DECIDED or gb.decided < MIN_DECIDED:
                continue
            if not ga.rate > gb.rate or (gc.decided and not gb.rate >= gc.rate):
                continue
            cost = sum(_entropy(g.won, g.decided) * g.decided for g in by_grade.values())
            key = (round(cost, 9), abs(a - current[0]) + abs(b - current[1]))
            if best is None or key < best[0]:
                best = (key, Proposal(a, b, by_grade))
    return best[1] if best else None
