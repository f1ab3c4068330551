"""The monthly review as files: an XLSX workbook (one sheet per part) and a Word document,
both in the active language."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from salesop.core.spreadsheets import write_xlsx_sheets
from salesop.insights.compliance import MEASURES
from salesop.insights.review import Review


def _summary(review: Review) -> list[list]:
    rows = [[h.label, h.now, h.before] for h in review.headline]
    rows.append([_("Bottleneck"), review.bottleneck_text, None])
    rows.append([_("Lead grading"), review.grading_text, None])
    return rows


def review_xlsx(review: Review) -> bytes:
    out = io.BytesIO()
    r = review
    write_xlsx_sheets(
        out,
        [
            (_("Summary"), [_("Figure"), _("This month"), _("Month before")], _summary(r)),
            (
                _("Funnel"),
                [_("Step"), _("Count"), _("Step conversion (%)"), _("Overall conversion (%)")],
                [[s.label, s.count, s.step_rate, s.overall_rate] for s in r.steps],
            ),
            (
                _("Cycle times"),
                [
                    _("Stage"),
                    _("Deals"),
                    _("Median"),
                    pgettext("percentile", "p75"),
                    pgettext("percentile", "p90"),
                    _("Playbook maximum"),
                ],
                [
                    [d.label, d.moves, d.median_days, d.p75_days, d.p90_days, d.limit_days]
                    for d in r.dwells
                ]
                + [[d.label, d.count, d.median, d.p75, d.p90, d.unit] for d in r.durations],
            ),
            (_("Lapses"), [_("Alert"), _("Count")], [[label, n] for _k, label, n in r.lapses]),
            (
                _("SOP compliance"),
                [_("Measure"), _("Complied"), _("Counted"), _("Share (%)")],
                [
                    [MEASURES[k], t.ok, t.total, t.pct]
                    for k, t in r.compliance.measures.items()
                    if t.total
                ],
            ),
            (
                _("Channels"),
                [_("Channel"), _("Leads"), _("Graded A (%)"), _("Won"), _("Spend"), _("ROI (%)")],
                [[c.name, c.leads, c.a_share, c.won, c.spend, c.roi] for c in r.channels.channels],
            ),
            (
                _("Loss reasons"),
                [_("Cause"), _("Count"), _("Share (%)"), _("Cumulative (%)")],
                [[b.label, b.count, b.share, b.cumulative] for b in r.losses.reasons],
            ),
            (
                _("Proposed changes"),
                [_("Change"), _("Evidence"), _("Changes the playbook")],
                [[p.title, p.evidence, _("yes") if p.changes else ""] for p in r.proposals],
            ),
        ],
    )
    return out.getvalue()


def review_docx(review: Review) -> bytes:
    from docx import Document

    r = review
    document = Document()
    document.add_heading(
        _("Monthly SOP review %(month)s") % {"month": f"{r.period.start:%Y-%m}"}, level=0
    )
    if r.empty:
        document.add_paragraph(_("No leads were created and no deals closed in this month."))

    def table(header, rows):
        grid = document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = str(text)
        for row in rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = "—" if value is None else str(value)

    document.add_heading(_("Headline figures"), level=1)
    table([_("Figure"), _("This month"), _("Month before")], _summary(r)[: len(r.headline)])
    document.add_heading(_("Bottleneck"), level=1)
    document.add_paragraph(r.bottleneck_text)
    document.add_heading(_("Lapses by rule"), level=1)
    table([_("Alert"), _("Count")], [[label, n] for _k, label, n in r.lapses])
    document.add_heading(_("Lead grading"), level=1)
    document.add_paragraph(r.grading_text)
    document.add_heading(_("Top loss reasons"), level=1)
    table(
        [_("Cause"), _("Count"), _("Share (%)")],
        [[b.label, b.count, b.share] for b in r.losses.reasons[:5]],
    )
    if r.losses.themes:
        document.add_paragraph(
            _("Feedback themes: %(themes)s")
            % {"themes": ", ".join(f"{t} ({n})" for t, n in r.losses.themes)}
        )
    document.add_heading(_("Proposed SOP changes"), level=1)
    for proposal in r.proposals:
        paragraph = document.add_paragraph(style="List Number")
        paragraph.add_run(proposal.title).bold = True
        paragraph.add_run(f" {proposal.evidence}")
    if not r.proposals:
        document.add_paragraph(_("No change proposed this month."))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
