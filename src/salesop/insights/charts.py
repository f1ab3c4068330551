"""Chart specifications for the insights pages: plain data (labels already translated) that
static/insights/charts.js turns into ECharts options. Every chart has its table beside it."""

from decimal import Decimal

from django.utils.translation import gettext as _


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def bars(title: str, categories: list[str], series: dict[str, list], **extra) -> dict:
    return {
        "kind": "bars",
        "title": title,
        "categories": [str(c) for c in categories],
        "series": [
            {"name": str(name), "data": [_number(v) for v in values]}
            for name, values in series.items()
        ],
        **extra,
    }


def pareto(title: str, causes) -> dict:
    return {
        "kind": "pareto",
        "title": title,
        "categories": [b.label for b in causes],
        "series": [{"name": _("Count"), "data": [b.count for b in causes]}],
        "cumulative": [_number(b.cumulative) for b in causes],
        "cumulative_name": _("Cumulative (%)"),
    }


def funnel(rows) -> dict:
    return bars(
        _("Funnel"),
        [r["step"].label for r in rows],
        {
            _("This period"): [r["step"].count for r in rows],
            _("Previous period"): [r["previous"].count for r in rows],
            _("Same period last year"): [r["last_year"].count for r in rows],
        },
        horizontal=True,
    )


def dwell(dwells) -> dict:
    return bars(
        _("Days in each stage"),
        [d.label for d in dwells],
        {
            _("Median"): [d.median_days for d in dwells],
            "p90": [d.p90_days for d in dwells],
            _("Playbook maximum"): [d.limit_days for d in dwells],
        },
        unit=_("days"),
    )


def grading(result) -> dict:
    series = {_("Win rate now (%)"): [result.rates[g].rate for g in "ABC"]}
    if result.proposal is not None:
        series[_("Win rate as proposed (%)")] = [result.proposal.rates[g].rate for g in "ABC"]
    return bars(_("Win rate per grade"), ["A", "B", "C"], series, unit="%", labels=True)


def channels(report) -> dict:
    names = [c.name for c in report.channels]
    return bars(
        _("Channel return"),
        names,
        {
            _("ROI (%)"): [c.roi for c in report.channels],
            _("Graded A (%)"): [c.a_share for c in report.channels],
        },
        unit="%",
    )


def compliance(cards) -> dict:
    return bars(
        _("Compliance score"),
        [str(c.owner) for c in cards],
        {
            _("Compliance score"): [c.score for c in cards],
            _("Win rate (%)"): [c.win_rate for c in cards],
        },
        horizontal=True,
    )
