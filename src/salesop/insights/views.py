"""The insights pages: funnel and cycle times, grading calibration, and the other reports;
each a table with an XLSX download, for the month and filters asked, over what the user may
see."""

import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.accounts.models import User
from salesop.core.errors import DomainError
from salesop.core.export import csv_rows
from salesop.core.forms import act_then_redirect, flash_refusal
from salesop.core.params import parse_id, parse_text
from salesop.core.spreadsheets import write_xlsx
from salesop.core.time import company_today
from salesop.insights import charts, selectors, services
from salesop.insights.compliance import MEASURES
from salesop.insights.compliance import items as compliance_items
from salesop.insights.compliance import stream as compliance_stream
from salesop.insights.documents import review_docx, review_xlsx
from salesop.insights.filters import (
    Filters,
    filters_for,
    not_narrowed_notes,
    owners_visible_to,
    teams_visible_to,
)
from salesop.insights.products import won_by_product
from salesop.insights.review import review
from salesop.insights.rules import Period, month_asked
from salesop.leads.models import Grade
from salesop.leads.selectors import channels as lead_channels
from salesop.playbook.selectors import active_playbook

# A drill-down page lists this many records, misses first; the CSV has them all.
RECORDS_SHOWN = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Asked:
    period: Period
    problem: str
    filters: Filters
    query: str  # the filters as a query string, for links and downloads


def _asked(request) -> Asked:
    """The month (default: this one, with why a malformed or future one was refused) and the
    filters; a team the user cannot see answers 404."""
    value = request.GET.get("month", "")
    period, problem = month_asked(value, company_today())
    message = ""
    if problem == "format":
        message = _("Give the month as YYYY-MM.")
    elif problem == "early":
        message = _("Give a month from 1970 on, not %(month)s.") % {"month": value}
    elif problem == "future":
        message = _("%(month)s is in the future: showing this month.") % {"month": value}
    get = request.GET
    team_id, owner_id = get.get("team", ""), get.get("owner", "")
    channel_id, grade = get.get("channel", ""), get.get("grade", "")
    filters = filters_for(
        request.user,
        team_id=parse_id(team_id),
        owner_id=parse_id(owner_id),
        channel_id=parse_id(channel_id),
        industry=parse_text(get.get("industry"), 100),
        grade=grade if grade in Grade.values else "",
    )
    asked = {
        "month": f"{period.start:%Y-%m}",
        "team": filters.team.pk if filters.team else "",
        "owner": filters.owner_id or "",
        "channel": filters.channel_id or "",
        "industry": filters.industry,
        "grade": filters.grade,
    }
    query = urlencode({name: value for name, value in asked.items() if value})
    return Asked(period, message, filters, query)


def _context(request, asked: Asked, tab: str, **extra) -> dict:
    user: User = request.user
    return {
        "tab": tab,
        "period": asked.period,
        "month": f"{asked.period.start:%Y-%m}",
        "problem": asked.problem,
        "filters": asked.filters,
        "query": asked.query,
        "teams": list(teams_visible_to(user)),
        "owners": list(owners_visible_to(user)),
        "channels": list(lead_channels().order_by("name")),
        "grades": Grade.choices,
        "unnarrowed": not_narrowed_notes(asked.filters),
        **extra,
    }


def _download(name: str, header: list[str], rows) -> HttpResponse:
    out = io.BytesIO()
    write_xlsx(out, header, rows)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def dashboard(request):
    asked = _asked(request)
    period, filters = asked.period, asked.filters
    now = selectors.funnel(request.user, period, filters)
    before = selectors.funnel(request.user, period.previous(), filters)
    last_year = selectors.funnel(request.user, period.year_before(), filters)
    rows = [
        {"step": step, "previous": prev, "last_year": year}
        for step, prev, year in zip(now, before, last_year, strict=True)
    ]
    dwells = selectors.cycle_times(request.user, period, filters)
    states, cohorts = selectors.cohorts(request.user, period, filters)
    timed = selectors.durations(request.user, period, filters)
    if request.GET.get("format") == "xlsx":
        return _download(
            f"funnel-{period.start:%Y-%m}.xlsx",
            [
                _("Step"),
                _("Count"),
                _("Step conversion (%)"),
                _("Overall conversion (%)"),
                _("Lost at this step"),
                _("Previous period"),
                _("Same period last year"),
            ],
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
    return render(
        request,
        "insights/dashboard.html",
        _context(
            request,
            asked,
            "funnel",
            rows=rows,
            empty=not now or now[0].count == 0,
            dwells=dwells,
            slowest=selectors.slowest(dwells),
            durations=timed,
            cohort_states=states,
            cohorts=cohorts,
            funnel_chart=charts.funnel(rows),
            dwell_chart=charts.dwell(dwells),
        ),
    )


@login_required
def grading(request):
    asked = _asked(request)
    result = selectors.grading(request.user, asked.period, asked.filters)
    if request.GET.get("format") == "xlsx":
        rows = [
            [_("Grade %(grade)s") % {"grade": g}, r.decided, r.won, r.rate, r.low, r.high]
            for g, r in result.rates.items()
        ]
        rows += [
            [_("ICP fit %(band)s") % {"band": band}, r.decided, r.won, r.rate, r.low, r.high]
            for band, r in result.fit_bands
        ]
        return _download(
            f"grading-{asked.period.start:%Y-%m}.xlsx",
            [
                _("Group"),
                _("Decided leads"),
                _("Won"),
                _("Win rate (%)"),
                _("Confidence interval low (%)"),
                _("Confidence interval high (%)"),
            ],
            rows,
        )
    return render(
        request,
        "insights/grading.html",
        _context(request, asked, "grading", grading=result, chart=charts.grading(result)),
    )


@login_required
@require_POST
def grading_apply(request):
    asked = _asked(request)
    return act_then_redirect(
        request,
        lambda: services.grading_apply(by=request.user, period=asked.period),
        _("The proposed thresholds are now the running playbook."),
        f"{reverse('insights:grading')}?{asked.query}",
    )


@login_required
def channels(request):
    asked = _asked(request)
    report = selectors.channels(request.user, asked.period, asked.filters)
    if request.GET.get("format") == "xlsx":

        def row(c, month):
            return [
                c.name,
                month,
                c.leads,
                c.a_share,
                c.won,
                c.conversion,
                c.revenue,
                c.spend,
                c.cost_per_lead,
                c.cost_per_win,
                c.roi,
            ]

        everything = _("All months")
        rows = [row(c, everything) for c in report.channels]
        rows += [row(m, f"{month:%Y-%m}") for c in report.channels for month, m in c.months.items()]
        return _download(
            f"channels-{asked.period.start:%Y-%m}.xlsx",
            [
                _("Channel"),
                _("Month"),
                _("Leads"),
                _("Graded A (%)"),
                _("Won"),
                _("Conversion to won (%)"),
                _("Revenue (%(currency)s)") % {"currency": report.currency},
                _("Spend (%(currency)s)") % {"currency": report.currency},
                _("Cost per lead"),
                _("Cost per won customer"),
                _("ROI (%)"),
            ],
            rows,
        )
    return render(
        request,
        "insights/channels.html",
        _context(request, asked, "channels", report=report, chart=charts.channels(report)),
    )


@login_required
def compliance(request):
    asked = _asked(request)
    total, cards = selectors.compliance(request.user, asked.period, asked.filters)
    weights = active_playbook().insights.compliance_weights
    if request.GET.get("format") == "xlsx":
        header = [_("Person"), _("Compliance score")]
        header += [f"{label} (%)" for label in MEASURES.values()]
        header += [_("Won revenue (%(currency)s)") % {"currency": settings.REPORT_CURRENCY}]
        header += [_("Win rate (%)")]
        everyone = _("Everyone shown")
        return _download(
            f"compliance-{asked.period.start:%Y-%m}.xlsx",
            header,
            (
                [
                    str(c.owner) if c.owner else everyone,
                    c.score,
                    *[c.measures[k].pct for k in MEASURES],
                    c.won_revenue,
                    c.win_rate,
                ]
                for c in [total, *cards]
            ),
        )
    return render(
        request,
        "insights/compliance.html",
        _context(
            request,
            asked,
            "compliance",
            total=total,
            cards=cards,
            measures=[(k, label, weights.get(k, 0)) for k, label in MEASURES.items()],
            currency=settings.REPORT_CURRENCY,
            chart=charts.compliance(cards),
        ),
    )


@login_required
def compliance_records(request, measure: str):
    if measure not in MEASURES:
        raise Http404
    asked = _asked(request)
    scope = selectors.compliance_scope(request.user, asked.period, asked.filters)
    if request.GET.get("format") == "csv":
        header = [_("Record"), _("When"), _("Followed the SOP"), _("Link")]
        yes, no = _("yes"), _("no")
        rows = (
            [
                r.label,
                f"{timezone.localtime(r.at):%Y-%m-%d %H:%M}",
                yes if r.ok else no,
                settings.BASE_URL + r.url,
            ]
            for r in compliance_stream(scope, measure)
        )
        response = StreamingHttpResponse(
            csv_rows(header, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"{measure}-{asked.period.start:%Y-%m}.csv"
        )
        return response
    return render(
        request,
        "insights/compliance_records.html",
        _context(
            request,
            asked,
            "compliance",
            measure=MEASURES[measure],
            measure_key=measure,
            records=compliance_items(scope, measure, limit=RECORDS_SHOWN),
            records_shown=RECORDS_SHOWN,
        ),
    )


@login_required
def losses(request):
    asked = _asked(request)
    report = selectors.losses(request.user, asked.period, asked.filters)
    churns = not_narrowed_notes(asked.filters).get("churns", "")
    sections = [
        (_("Lost-deal reasons"), report.reasons, ""),
        (_("Stage lost at"), report.stages, ""),
        (_("Lost to"), report.competitors, ""),
        (_("Churn reasons"), report.churn_reasons, churns),
        (_("Customers lost to"), report.churn_competitors, churns),
    ]
    if request.GET.get("format") == "xlsx":
        rows = [
            [title, b.label, b.count, b.share, b.cumulative]
            for title, bars, _note in sections
            for b in bars
        ]
        rows += [[_("Objection"), o.label, o.deals, o.win_rate, None] for o in report.objections]
        return _download(
            f"losses-{asked.period.start:%Y-%m}.xlsx",
            [_("Table"), _("Cause"), _("Count"), _("Share (%)"), _("Cumulative (%)")],
            rows,
        )
    return render(
        request,
        "insights/losses.html",
        _context(
            request,
            asked,
            "losses",
            report=report,
            sections=sections,
            chart=charts.pareto(_("Lost-deal reasons"), report.reasons),
        ),
    )


@login_required
def products(request):
    """Won revenue per product in the period, in the report currency, as the person sees the
    deals (imported history's lines included)."""
    asked = _asked(request)
    rows = won_by_product(request.user, asked.period, asked.filters)
    currency = settings.REPORT_CURRENCY
    if request.GET.get("format") == "xlsx":
        return _download(
            f"products-{asked.period.start:%Y-%m}.xlsx",
            [
                _("Code"),
                _("Product"),
                _("Deals won"),
                _("Won revenue (%(currency)s)") % {"currency": currency},
            ],
            ([r.product.code, r.product.name, r.won, r.revenue] for r in rows),
        )
    return render(
        request,
        "insights/products.html",
        _context(request, asked, "products", rows=rows, currency=currency),
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def review_page(request):
    asked = _asked(request)
    result = review(request.user, asked.period, asked.filters)
    month = f"{asked.period.start:%Y-%m}"
    if request.GET.get("format") in ("xlsx", "docx"):
        kind = request.GET["format"]
        content = review_xlsx(result) if kind == "xlsx" else review_docx(result)
        response = HttpResponse(content, content_type=XLSX if kind == "xlsx" else DOCX)
        response["Content-Disposition"] = content_disposition_header(
            True, f"sop-review-{month}.{kind}"
        )
        return response
    return render(
        request, "insights/review.html", _context(request, asked, "review", review=result)
    )


@login_required
@require_POST
def review_draft(request):
    asked = _asked(request)
    try:
        version = services.review_draft_playbook(by=request.user, period=asked.period)
    except DomainError as error:
        flash_refusal(request, error)
        return redirect(f"{reverse('insights:review')}?{asked.query}")
    messages.success(
        request,
        _("Draft playbook version %(n)d made: read it, then activate it.") % {"n": version.number},
    )
    return redirect("playbook:version", version.pk)
