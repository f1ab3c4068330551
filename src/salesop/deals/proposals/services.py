"""Writes for proposals: versions, value rows, the ROI calculator's inputs, presenting, Word
export and the Word templates sales ops upload."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.activities.models import ActivityKind, Outcome
from salesop.activities.services import activity_log
from salesop.core.audit import audit_actor
from salesop.core.docx import render_docx, template_problem
from salesop.core.errors import DomainError
from salesop.core.money import MAX_AMOUNT, Currency, format_money
from salesop.core.time import company_today
from salesop.core.versioned import hold
from salesop.deals.discovery.rules import recap_language
from salesop.deals.models import (
    Deal,
    Need,
    Proposal,
    ProposalAudience,
    ProposalStatus,
    ProposalTemplate,
    ValueRow,
)
from salesop.deals.proposals.docx_template import DEFAULT_TEMPLATE
from salesop.deals.proposals.roi import (
    BenefitLine,
    RoiFigures,
    missing_placeholders,
    roi_figures,
    roi_problems,
)

MAX_ROWS = 30
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class RowInput:
    """One value row as a page form or the API sends it."""

    pain: str
    solution: str
    value: str
    amount: Decimal | None = None
    unit: str = ""
    need_id: int | None = None


def _refuse_unless_latest(proposal: Proposal) -> None:
    if not proposal.deal.is_open:
        raise DomainError("deal_closed", _("The deal is closed: its proposals stay as they are."))
    if Proposal.objects.filter(deal_id=proposal.deal_id, number__gt=proposal.number).exists():
        raise DomainError(
            "proposal_superseded",
            _("Version %(n)d has a newer version; work on the latest one.")
            % {"n": proposal.number},
            {"proposal": _("Older versions are kept as they were.")},
        )


def _refuse_unless_editable(proposal: Proposal) -> None:
    _refuse_unless_latest(proposal)
    if proposal.status != ProposalStatus.DRAFT:
        raise DomainError(
            "proposal_delivered",
            _("Version %(n)d was delivered as it is; start a new version to change it.")
            % {"n": proposal.number},
            {"proposal": _("Delivered versions are kept unchanged.")},
        )


def _row_problems(deal: Deal, index: int, row: RowInput) -> dict[str, str]:
    where = f"rows[{index}]"
    problems = {}
    for name, limit in (("pain", 300), ("solution", 2000), ("value", 300)):
        text = getattr(row, name).strip()
        if not text:
            problems[f"{where}.{name}"] = {
                "pain": _("Say which pain of the customer this row answers."),
                "solution": _("Say how the solution removes the pain."),
                "value": _("Say what it is worth to the customer."),
            }[name]
        elif len(text) > limit:
            problems[f"{where}.{name}"] = _("At most %(n)d characters.") % {"n": limit}
    if row.amount is not None and not (0 <= row.amount <= MAX_AMOUNT):
        problems[f"{where}.amount"] = _(
            "Enter the quantified amount as a figure of at least zero "
            "(say 'saves' or 'reduces' in the value text)."
        )
    if len(row.unit.strip()) > 20:
        problems[f"{where}.unit"] = _("At most %(n)d characters.") % {"n": 20}
    if row.need_id is not None and not Need.objects.filter(pk=row.need_id, deal=deal).exists():
        problems[f"{where}.need_id"] = _("Choose a need recorded on this deal.")
    return problems


def _new_rows(proposal: Proposal, rows: list[RowInput], start: int) -> list[ValueRow]:
    return [
        ValueRow(
            proposal=proposal,
            position=start + i,
            need_id=row.need_id,
            pain=row.pain.strip(),
            solution=row.solution.strip(),
            value=row.value.strip(),
            amount=row.amount,
            unit=row.unit.strip() or (proposal.currency if row.amount is not None else ""),
        )
        for i, row in enumerate(rows)
    ]


@transaction.atomic
def proposal_create(
    *,
    deal: Deal,
    by: User,
    title: str = "",
    audience: str = "",
    source: Proposal | None = None,
) -> Proposal:
    """Starts the deal's next proposal version. It copies the rows and ROI inputs of `source`
    (default: the latest version), which stays readable as it was."""
    if not deal.is_open:
        raise DomainError("deal_closed", _("The deal is closed: no new proposal."))
    if audience and audience not in ProposalAudience.values:
        raise DomainError("invalid", _("Unknown audience."), {"audience": _("Choose one.")})
    if len(title.strip()) > 200:
        raise DomainError("invalid", _("The title is too long."), {"title": _("At most 200.")})
    # Serialises concurrent version numbering on PostgreSQL; SQLite's IMMEDIATE transactions
    # already do. The unique (deal, number) constraint is the last guard.
    hold(Deal, deal.pk)
    if source is not None and source.deal_id != deal.pk:
        raise DomainError("invalid", _("That proposal belongs to another deal."))
    source = source or deal.proposals.order_by("-number").first()
    number = (deal.proposals.aggregate(n=Max("number"))["n"] or 0) + 1
    proposal = Proposal(
        deal=deal,
        number=number,
        title=title.strip() or (source.title if source else deal.name),
        audience=audience or (source.audience if source else ProposalAudience.FULL),
        currency=source.currency if source else deal.currency,
        roi_investment=source.roi_investment if source else None,
        roi_benefits=list(source.roi_benefits) if source else [],
        roi_horizon_years=source.roi_horizon_years if source else 3,
        created_by=by,
    )
    with audit_actor(by):
        proposal.save()
    if source is not None:
        ValueRow.objects.bulk_create(
            ValueRow(
                proposal=proposal,
                position=row.position,
                need_id=row.need_id,
                pain=row.pain,
                solution=row.solution,
                value=row.value,
                amount=row.amount,
                unit=row.unit,
            )
            for row in source.rows.all()
        )
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, by: User, title: str, audience: str) -> Proposal:
    _refuse_unless_editable(proposal)
    problems = {}
    if not title.strip() or len(title.strip()) > 200:
        problems["title"] = _("Enter a title of at most 200 characters.")
    if audience not in ProposalAudience.values:
        problems["audience"] = _("Choose one of the audiences.")
    if problems:
        raise DomainError("invalid", _("Please correct the fields marked."), problems)
    proposal.title = title.strip()
    proposal.audience = audience
    with audit_actor(by):
        proposal.save(update_fields=["title", "audience"])
    return proposal


@transaction.atomic
def value_rows_add(*, proposal: Proposal, by: User, rows: list[RowInput]) -> list[ValueRow]:
    """Appends rows after the existing ones. All rows or none: the first problem of any row
    refuses the whole set, naming it (`rows[2].amount`)."""
    _refuse_unless_editable(proposal)
    existing = proposal.rows.count()
    _check_rows(proposal, rows, existing)
    return ValueRow.objects.bulk_create(_new_rows(proposal, rows, existing))


@transaction.atomic
def value_rows_replace(*, proposal: Proposal, by: User, rows: list[RowInput]) -> list[ValueRow]:
    """Replaces every row in the given order; refused as a whole when any row is wrong, and
    then the previous rows stay."""
    _refuse_unless_editable(proposal)
    _check_rows(proposal, rows, 0)
    proposal.rows.all().delete()
    return ValueRow.objects.bulk_create(_new_rows(proposal, rows, 0))


def _check_rows(proposal: Proposal, rows: list[RowInput], existing: int) -> None:
    if existing + len(rows) > MAX_ROWS:
        raise DomainError(
            "too_many_rows",
            _("A proposal has at most %(n)d value rows.") % {"n": MAX_ROWS},
            {"rows": _("Too many rows.")},
        )
    problems: dict[str, str] = {}
    for i, row in enumerate(rows):
        problems.update(_row_problems(proposal.deal, i, row))
    if problems:
        raise DomainError("invalid_rows", _("Some value rows need correcting."), problems)


@transaction.atomic
def value_row_delete(*, row: ValueRow, by: User) -> None:
    _refuse_unless_editable(row.proposal)
    row.delete()


def parse_benefits(raw: list[dict[str, Any]]) -> list[BenefitLine]:
    """Benefit lines from stored JSON or input; an amount that is not a finite number is
    refused under its path (`roi.benefits[1].amount`)."""
    lines = []
    for i, item in enumerate(raw):
        try:
            amount = Decimal(str(item.get("amount", "")))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise DomainError(
                "invalid_roi",
                _("Some ROI inputs need correcting."),
                {f"roi.benefits[{i}].amount": _("Enter a number.")},
            )
        lines.append(BenefitLine(label=str(item.get("label", "")), amount=amount))
    return lines


@transaction.atomic
def proposal_roi_set(
    *,
    proposal: Proposal,
    by: User,
    investment: Decimal | None,
    benefits: list[dict[str, Any]],
    horizon_years: int = 3,
    currency: str | None = None,
) -> RoiFigures:
    """Saves the calculator's inputs and answers its figures. A zero or negative investment
    is refused with the reason under `roi.investment`, never divided by."""
    _refuse_unless_editable(proposal)
    lines = parse_benefits(benefits)
    problems = roi_problems(investment, lines, horizon_years)
    if currency is not None and currency not in Currency.values:
        problems["roi.currency"] = _("Choose a currency from the list.")
    if problems:
        raise DomainError("invalid_roi", _("Some ROI inputs need correcting."), problems)
    proposal.roi_investment = investment
    proposal.roi_benefits = [
        {"label": line.label.strip(), "amount": str(line.amount)} for line in lines
    ]
    proposal.roi_horizon_years = horizon_years
    if currency:
        proposal.currency = currency
    with audit_actor(by):
        proposal.save(
            update_fields=["roi_investment", "roi_benefits", "roi_horizon_years", "currency"]
        )
    return roi_figures(investment, lines, horizon_years)


def figures_of(proposal: Proposal) -> RoiFigures | None:
    """The saved inputs' figures, or None before the calculator was used."""
    if proposal.roi_investment is None:
        return None
    return roi_figures(
        proposal.roi_investment, parse_benefits(proposal.roi_benefits), proposal.roi_horizon_years
    )


@transaction.atomic
def proposal_present(
    *,
    proposal: Proposal,
    by: User,
    duration_minutes: int,
    outcome: str = Outcome.POSITIVE,
    occurred_at: datetime | None = None,
    notes: str = "",
) -> Proposal:
    """Records the presentation as a meeting on the deal (with its duration, which the
    presentation-time figures read) and marks the version delivered."""
    deal = proposal.deal
    _refuse_unless_latest(proposal)
    if not isinstance(duration_minutes, int) or not 0 < duration_minutes <= 24 * 60:
        raise DomainError(
            "invalid",
            _("Say how long the presentation took."),
            {"duration_minutes": _("Enter the minutes, more than zero and at most a day.")},
        )
    if outcome not in Outcome.values:
        raise DomainError("invalid", _("Choose an outcome."), {"outcome": _("Choose one.")})
    if not proposal.rows.exists():
        raise DomainError(
            "empty_proposal",
            _("Add at least one pain, solution and value row before presenting."),
            {"rows": _("No value rows yet.")},
        )
    with translation.override(recap_language(deal.account.name)):  # the customer's language
        subject = _("Proposal v%(n)d presented") % {"n": proposal.number}
    activity = activity_log(
        by=by,
        account=deal.account,
        deal=deal,
        kind=ActivityKind.MEETING,
        subject=subject,
        outcome=outcome,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        notes=notes,
    )
    proposal.status = ProposalStatus.DELIVERED
    proposal.delivered_at = proposal.delivered_at or activity.occurred_at
    proposal.presented_activity = activity
    with audit_actor(by):
        proposal.save(update_fields=["status", "delivered_at", "presented_activity"])
    return proposal


# --- Word export ---------------------------------------------------------------------------------


def docx_context(proposal: Proposal, audience: str | None = None) -> dict[str, Any]:
    """What a Word template may use. Required: customer, deal, version, rows, roi."""
    audience = audience or proposal.audience
    figures = figures_of(proposal)
    currency = proposal.currency
    roi: dict[str, Any] = {
        "investment": "",
        "yearly_benefit": "",
        "benefits": [],
        "payback_months": "",
        "roi_pct": "",
        "horizon_years": proposal.roi_horizon_years,
        "message": _("ROI not calculated yet."),
    }
    if figures is not None:
        roi.update(
            investment=format_money(figures.investment, currency),
            yearly_benefit=format_money(figures.yearly_benefit, currency),
            benefits=[
                {"label": line.label, "amount": format_money(line.amount, currency)}
                for line in parse_benefits(proposal.roi_benefits)
            ],
            payback_months=_("%(n)s months") % {"n": figures.payback_months}
            if figures.payback_months is not None
            else "—",
            roi_pct=f"{figures.roi_pct}%" if figures.roi_pct is not None else "—",
            message=figures.message,
        )
    deal = proposal.deal
    return {
        "title": proposal.title,
        "customer": deal.account.name,
        "deal": deal.name,
        "version": proposal.number,
        "audience": audience,
        "show_solution": audience != ProposalAudience.EXECUTIVE,
        "date": company_today().isoformat(),
        "owner": str(deal.owner),
        "rows": [
            {
                "pain": row.pain,
                "solution": row.solution,
                "value": row.value,
                "amount": row.amount_display,
                "need": row.need.summary if row.need else "",
            }
            for row in proposal.rows.select_related("need")
        ],
        "roi": roi,
    }


def template_bytes() -> bytes:
    """The Word template proposals are made from: the active upload, else the shipped one."""
    active = ProposalTemplate.objects.filter(active=True).order_by("-number").first()
    if active is not None:
        return bytes(active.content)
    return DEFAULT_TEMPLATE.read_bytes()


def proposal_docx(*, proposal: Proposal, audience: str | None = None) -> bytes:
    """The proposal as a Word document, from the active uploaded template or the shipped one."""
    return render_docx(template_bytes(), docx_context(proposal, audience))


def docx_filename(proposal: Proposal) -> str:
    return f"proposal-{proposal.deal_id}-v{proposal.number}.docx"


_SAMPLE = {
    "title": "Sample",
    "customer": "Sample Co.",
    "deal": "Sample deal",
    "version": 1,
    "audience": "full",
    "show_solution": True,
    "date": "2026-01-01",
    "owner": "Sample",
    "rows": [{"pain": "p", "solution": "s", "value": "v", "amount": "1", "need": ""}],
    "roi": {
        "investment": "1",
        "yearly_benefit": "1",
        "benefits": [{"label": "b", "amount": "1"}],
        "payback_months": "12",
        "roi_pct": "200%",
        "horizon_years": 3,
        "message": "",
    },
}


def template_problems(content: bytes) -> tuple[str, dict[str, str]] | None:
    """Why a file cannot serve as the proposal template: not a Word document, a broken tag,
    or required placeholders missing (named). None when it renders with sample data."""
    problem = template_problem(content, _SAMPLE, _placeholder_problem)
    return None if problem is None else (problem, {"file": problem})


def _placeholder_problem(declared: set[str]) -> str | None:
    if missing := missing_placeholders(declared):
        return _("The template lacks required placeholders: %(names)s.") % {
            "names": ", ".join(missing)
        }
    return None


def proposal_template_upload(*, by: User, name: str, content: bytes) -> ProposalTemplate:
    """Makes an uploaded Word file the active proposal template (sales ops only). Refused,
    naming what is wrong, unless it is a .docx using every required placeholder."""
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations change the proposal template."))
    if len(content) > MAX_TEMPLATE_BYTES:
        raise DomainError(
            "too_large", _("The file is larger than 5 MB."), {"file": _("Too large.")}
        )
    problem = template_problems(content)
    if problem is not None:
        message, fields = problem
        raise DomainError("invalid_template", message, fields)
    # The check above renders for up to DOCUMENT_RENDER_SECONDS: outside the transaction, or
    # SQLite's single writer would wait for it.
    with transaction.atomic():
        number = (ProposalTemplate.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        ProposalTemplate.objects.filter(active=True).update(active=False)
        template = ProposalTemplate(
            number=number, name=(name or "proposal.docx")[:200], content=content, uploaded_by=by
        )
        with audit_actor(by):
            template.save()
    return template


@transaction.atomic
def proposal_template_reset(*, by: User) -> None:
    """Goes back to the template salesop ships (uploads are kept, inactive)."""
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations change the proposal template."))
    ProposalTemplate.objects.filter(active=True).update(active=False)
