"""Proposal rules: the ROI calculator's figures, the emphasis per audience, and what a Word
template must contain. Pure functions, no writes."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from salesop.core.money import MAX_AMOUNT, format_amount

# Names every proposal Word template must use; export fills them (see proposals.docx_context).
REQUIRED_PLACEHOLDERS = ("customer", "deal", "version", "rows", "roi")
MAX_BENEFIT_LINES = 20
MAX_HORIZON_YEARS = 10

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class BenefitLine:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class RoiFigures:
    """What the calculator shows. `message` explains why a figure is missing (None)."""

    investment: Decimal
    yearly_benefit: Decimal
    horizon_years: int
    total_benefit: Decimal
    payback_months: Decimal | None
    roi_pct: Decimal | None
    message: str = ""


def roi_problems(
    investment: Decimal | None, benefits: Iterable[BenefitLine], horizon_years: int
) -> dict[str, str]:
    """What is wrong with the calculator's inputs, by field path (`roi.investment`,
    `roi.benefits[1].amount`); empty when the figures can be computed."""
    problems: dict[str, str] = {}
    if investment is None:
        problems["roi.investment"] = _("Enter the customer's investment.")
    elif investment <= 0:
        problems["roi.investment"] = _(
            "The investment must be more than zero: payback and ROI are measured against it."
        )
    elif investment > MAX_AMOUNT:
        problems["roi.investment"] = _("The investment is too large.")
    lines = list(benefits)
    if not lines:
        problems["roi.benefits"] = _("Add at least one yearly benefit (what the customer saves).")
    if len(lines) > MAX_BENEFIT_LINES:
        problems["roi.benefits"] = _("At most %(n)d benefit lines.") % {"n": MAX_BENEFIT_LINES}
    for i, line in enumerate(lines):
        if not line.label.strip():
            problems[f"roi.benefits[{i}].label"] = _("Say what the benefit is.")
        if line.amount < 0 or line.amount > MAX_AMOUNT:
            problems[f"roi.benefits[{i}].amount"] = _(
                "Enter a yearly amount between 0 and %(max)s."
            ) % {"max": format_amount(MAX_AMOUNT)}
    if not 1 <= horizon_years <= MAX_HORIZON_YEARS:
        problems["roi.horizon_years"] = _("The horizon is between 1 and %(max)d years.") % {
            "max": MAX_HORIZON_YEARS
        }
    return problems


def roi_figures(
    investment: Decimal, benefits: Iterable[BenefitLine], horizon_years: int = 3
) -> RoiFigures:
    """Payback in months (investment / yearly benefit x 12) and ROI over the horizon in percent
    ((benefit x years - investment) / investment x 100), both to one decimal. Never divides
    by zero: a zero investment or a zero benefit gives None with the reason in `message`."""
    yearly = sum((line.amount for line in benefits), Decimal(0))
    total = yearly * horizon_years
    payback = roi = None
    message = ""
    if investment <= 0:
        message = _("No ROI without an investment: enter what the customer pays (more than zero).")
    else:
        roi = ((total - investment) / investment * 100).quantize(ONE_DECIMAL, ROUND_HALF_UP)
        if yearly > 0:
            payback = (investment / yearly * 12).quantize(ONE_DECIMAL, ROUND_HALF_UP)
        else:
            message = _("The yearly benefits add up to zero: the investment never pays back.")
    return RoiFigures(
        investment=investment,
        yearly_benefit=yearly,
        horizon_years=horizon_years,
        total_benefit=total,
        payback_months=payback,
        roi_pct=roi,
        message=message,
    )


# Stakeholder roles (deals.StakeholderRole) and what they read first, as the SOP says: the
# decision maker and finance want ROI, the technical lead wants functional detail.
EXECUTIVE_ROLES = {"decision_maker", "finance", "purchasing"}
TECHNICAL_ROLES = {"technical", "user_department"}


def suggested_audience(roles: Iterable[str]) -> str:
    """The proposal variant for the people in the room: executive (ROI first) when only
    decision makers, finance or purchasing attend, technical when only technical or user
    department people do, else the full proposal."""
    present = set(roles)
    executive = bool(present & EXECUTIVE_ROLES)
    technical = bool(present & TECHNICAL_ROLES)
    if executive and not technical:
        return "executive"
    if technical and not executive:
        return "technical"
    return "full"


def missing_placeholders(declared: Iterable[str]) -> list[str]:
    """The required template names a Word template does not use, in the documented order."""
    names = set(declared)
    return [name for name in REQUIRED_PLACEHOLDERS if name not in names]
