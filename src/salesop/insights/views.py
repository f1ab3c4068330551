"""The insights dashboard: the lead-to-won funnel beside the previous period and the same
period a year earlier, and stage dwell times against the playbook; each as a table and as
an XLSX download."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from salesop.core.spreadsheets import write_xlsx
from salesop.insights import selectors
from salesop.insights.rules import Period, month_asked

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(value: str) -> tuple[Period, str]:
    """The month asked for (default: this one), or this month and why the ask was refused."""
    period, problem = month_asked(value, timezone.localdate())
    if problem == "format":
        return period, _("Give the month as YYYY-MM.")
    if problem == "future":
        return period, _("%(month)s is in the future: showing this month.") % {"month": value}
    return period, ""


@login_required
def dashboard(request):
    period, problem = _period(request.GET.get("month", ""))
    team_id = request.GET.get("team", "")
    team = selectors.team_for(request.user, int(team_id)) if team_id.isdigit() else None
    filters = selectors.Filters(team=team)
    now = selectors.funnel(request.user, period, filters)
    before = selectors.funnel(request.user, period.previous(), filters)
    last_year = selectors.funnel(request.user, period.year_before(), filters)
    rows = [
        {"step": step, "previous": prev, "last_year": year}
        for step, prev, year in zip(now, before, last_year, strict=True)
    ]
    dwells = selectors.cycle_times(request.user, period, filters)
    if request.GET.get("format") == "xlsx":
        return _xlsx(period, rows, dwells)
    return render(
        request,
        "insights/dashboard.html",
        {
            "period": period,
            "month": f"{period.start:%Y-%m}",
            "problem": problem,
            "team": team,
            "teams": list(selectors.teams_visible_to(request.user)),
            "rows": rows,
            "empty": not now or now[0].count == 0,
            "dwells": dwells,
            "slowest": selectors.slowest(dwells),
        },
    )


def _xlsx(period: Period, rows, dwells) -> HttpResponse:
    out = io.BytesIO()
    header = [
        _("Step"),
        _("Count"),
        _("Step conversion (%)"),
        _("Overall conversion (%)"),
        _("Lost at this step"),
        _("Previous period"),
        _("Same period last year"),
    ]
    write_xlsx(
        out,
        header,
        (
            [
                r["step"].label,
                r["step"].count,
                r["step"].step_rate,
                r["step"].overall_rate,
                r["step"].dropped,
                r["previous"].count,
                r["last_year"].count,
            ]
            for r in rows
        ),
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"funnel-{period.start:%Y-%m}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
