"""The playbook document: what the SOP asks, as data. Structure is checked by pydantic; the
meaning (known criteria and roles, unique keys, no stage cycles) by `semantic_errors`."""

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from salesop.core.bilingual import in_language

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(Strict):
    zh: Text
    en: Text

    def get(self, language: str) -> str:
        return in_language(self.zh, self.en, language)

    def __str__(self) -> str:
        """In the reader's language: what a template shows for `{{ stage.label }}`."""
        return in_language(self.zh, self.en)


class Keyed(Strict):
    key: Key
    label: Label


class ChecklistItem(Keyed):
    help: Label | None = None
    # The deal page the item is done on; the checklist links to it.
    link: Literal["discovery", "decision_chain", "proposals", "quotes", "contract"] | None = None
    # A criterion whose evidence ticks the item (and unticks it when the evidence goes): the
    # rep does the work, not the box. None: a box for what the system cannot see.
    evidence: Annotated[str, StringConstraints(max_length=64)] | None = None


StakeholderRoleKey = Literal[
    "decision_maker",
    "finance",
    "purchasing",
    "technical",
    "user_department",
    "influencer",
    "champion",
    "blocker",
]


class RoleEmphasis(Strict):
    """What to stress with one role of the customer's decision chain."""

    role: StakeholderRoleKey
    emphasis: Label


class Stage(Keyed):
    probability: int = Field(ge=0, le=100)
    checklist: list[ChecklistItem] = []
    exit_criteria: list[Annotated[str, StringConstraints(max_length=64)]] = []
    max_dwell_days: int | None = Field(default=None, ge=1, le=365)
    movers: list[str] = Field(min_length=1)
    # Stages a deal may move on to directly; default: the next stage in the list.
    next: list[Key] | None = None


class BantLevel(Keyed):
    points: int = Field(ge=0, le=100)


class BantFactor(Keyed):
    weight: int = Field(ge=0, le=100)
    levels: list[BantLevel] = Field(min_length=2)


class Grades(Strict):
    a: int = Field(ge=0, le=100, description="lowest score graded A")
    b: int = Field(ge=0, le=100, description="lowest score graded B; below is C")


class Bant(Strict):
    factors: list[BantFactor] = Field(min_length=1)
    grades: Grades


class Sla(Strict):
    lead_first_contact_hours: int = Field(default=24, ge=1)
    lead_followup_days: int = Field(default=7, ge=1)
    ticket_first_response_hours: int = Field(default=24, ge=1)
    ticket_solution_direction_hours: int = Field(default=48, ge=1)
    progress_update_days: int = Field(default=7, ge=1)


class AlertRule(Strict):
    key: Key
    kind: str
    after_days: int | None = Field(default=None, ge=1)
    after_hours: int | None = Field(default=None, ge=1)
    notify: list[Literal["owner", "manager", "ops", "legal", "finance"]] = ["owner"]
    escalate_after_days: int | None = Field(default=None, ge=1)
    escalate_to: list[Literal["manager", "ops", "legal", "finance"]] = []


class DiscountStep(Strict):
    max_pct: float = Field(gt=0, le=100)
    approver: str | None = None


class PaymentTermStep(Strict):
    max_days: int = Field(ge=0, le=720)
    approver: str | None = None


class Approvals(Strict):
    discount: list[DiscountStep] = Field(min_length=1)
    payment_term: list[PaymentTermStep] = Field(min_length=1)


class Territory(Strict):
    key: Key
    team: Text  # a team's name; leads from these regions or industries go to its people
    regions: list[Text] = []
    industries: list[Text] = []


class Assignment(Strict):
    """Who gets a new lead: a territory's team (by region, then industry) or everyone selling,
    round-robin; `manual` leaves it with whoever created it (intake: sales ops)."""

    mode: Literal["round_robin", "manual"] = "round_robin"
    territories: list[Territory] = []


class Contracts(Strict):
    """How contracts are reviewed and signed (合同审核, 签约跟进)."""

    # Clauses whose every deviation goes to legal, whatever their template's risk class says.
    review_clauses: list[Key] = []
    # Deviations in standard-risk clauses go to legal too; false: only special-risk ones do.
    review_any_deviation: bool = True
    # A contract exactly as the template words it is cleared without legal review.
    skip_review_without_deviation: bool = True
    # What must be ready before the contract is sent for signature.
    documents: list[Keyed] = []
    # How long a time-limited signing incentive stays valid.
    incentive_days: int = Field(default=14, ge=1, le=90)


class MilestoneSpec(Keyed):
    days: int = Field(ge=0, le=730, description="due this many days after the project starts")


class Delivery(Strict):
    """Who delivers a won deal and the milestones its project starts with (交付与实施)."""

    roles: list[Literal["project_manager", "tech_support", "customer_success"]] = [
        "project_manager",
        "tech_support",
        "customer_success",
    ]
    milestones: list[MilestoneSpec] = []


class Severity(Keyed):
    first_response_hours: int = Field(ge=1, le=720)
    solution_direction_hours: int = Field(ge=1, le=2160)
    # Count only working hours (the business calendar below), not elapsed hours.
    business_hours: bool = False


class BusinessHours(Strict):
    start: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "09:00"
    end: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "18:00"
    weekdays: list[int] = Field(default=[1, 2, 3, 4, 5], min_length=1, max_length=7)
    # Mainland China's public holidays and make-up working days (调休), every year, from the
    # `holidays` library (new years come with its releases); null for none.
    public_holidays: Literal["CN"] | None = "CN"
    # The company's own days off, added to the public ones; a public make-up working day listed
    # here is not worked.
    holidays: list[date] = []
    # Days worked (weekend days worked in lieu, or a public holiday the company works).
    workdays: list[date] = []
    # Years whose public holidays and make-up working days the two lists above hold in full
    # (the State Council's notice typed in before the library has it): only these stop the
    # warning that a year's arrangement is not known. A company day off alone does not.
    listed_years: list[Annotated[int, Field(ge=2000, le=2100)]] = Field(default=[], max_length=20)


class Tickets(Strict):
    """Ticket SLAs per severity; a severity not listed uses the `sla` section's hours."""

    severities: list[Severity] = []
    calendar: BusinessHours = BusinessHours()


class Feedback(Strict):
    """Surveys after milestones, resolved tickets and revisits (客户反馈)."""

    # An answer at or below either score opens a follow-up task for customer success.
    low_nps: int = Field(default=6, ge=0, le=10)
    low_csat: int = Field(default=2, ge=1, le=5)
    # How long a survey link stays open.
    link_days: int = Field(default=14, ge=1, le=90)


class GrowthWhen(Strict):
    """Conditions that must all hold (unset ones are ignored)."""

    max_nps: int | None = Field(default=None, ge=0, le=10)
    min_breached_open_tickets: int | None = Field(default=None, ge=1)
    min_new_needs: int | None = Field(default=None, ge=1)
    project_delivered: bool | None = None


class GrowthRule(Strict):
    stage: Literal["onboarding", "stable", "expansion", "transformation", "at_risk"]
    when: GrowthWhen


class Recommendation(Strict):
    stage: Literal["onboarding", "stable", "expansion", "transformation", "at_risk"]
    product: Annotated[str, StringConstraints(min_length=1, max_length=40)]  # a product code
    reason: Label


class Growth(Strict):
    """Account growth (价值深耕): rules suggesting a customer's stage, first match wins, over
    the last `window_days`; add-ons to recommend per stage."""

    window_days: int = Field(default=180, ge=7, le=730)
    rules: list[GrowthRule] = []
    recommend: list[Recommendation] = []


ComplianceKey = Literal[
    "lead_followup",
    "checklist",
    "discovery",
    "quotes",
    "contracts",
    "tickets",
    "revisits",
    "updates",
]


class Insights(Strict):
    """How SOP compliance is scored (过程考核): each measure's weight in a person's compliance
    score; a measure with nothing to count in the period leaves the score."""

    compliance_weights: dict[ComplianceKey, int] = {
        "lead_followup": 20,
        "checklist": 20,
        "discovery": 20,
        "quotes": 10,
        "contracts": 10,
        "tickets": 10,
        "revisits": 5,
        "updates": 5,
    }


class Certification(Strict):
    """What certifies a rep for a stage (认证): its course passed (every module) and a
    role-play of the stage scored at least `roleplay_min` percent."""

    stage: Key
    course: Annotated[str, StringConstraints(min_length=1, max_length=32)]  # a course code
    roleplay_min: int = Field(default=70, ge=0, le=100)


class Enablement(Strict):
    """Training (培训与赋能): the courses assigned to a new hire per role, and the stage
    certifications. A stage's exit criterion `enablement.owner_certified` makes moving on
    need the deal owner's certification for the next stage, or a manager's co-sign."""

    new_hire: dict[str, list[Annotated[str, StringConstraints(max_length=32)]]] = {}
    new_hire_days: int = Field(default=90, ge=7, le=365)
    certifications: list[Certification] = []

    def certification(self, stage: str) -> Certification | None:
        return next((c for c in self.certifications if c.stage == stage), None)


class Closed(Strict):
    won: Label
    lost: Label


class Playbook(Strict):
    name: Text
    lead_statuses: list[Keyed] = Field(min_length=1)
    bant: Bant
    stages: list[Stage] = Field(min_length=1)
    closed: Closed
    disqualify_reasons: list[Keyed] = Field(min_length=1)
    nurture_days: int = Field(default=30, ge=1, le=365)
    assignment: Assignment = Assignment()
    lost_reasons: list[Keyed] = Field(min_length=1)
    churn_reasons: list[Keyed] = Field(min_length=1)
    sla: Sla = Sla()
    alerts: list[AlertRule] = []
    approvals: Approvals
    revisit_days: dict[str, int] = {}
    stakeholder_emphasis: list[RoleEmphasis] = []
    contracts: Contracts = Contracts()
    delivery: Delivery = Delivery()
    tickets: Tickets = Tickets()
    feedback: Feedback = Feedback()
    growth: Growth = Growth()
    insights: Insights = Insights()
    enablement: Enablement = Enablement()

    # Lookups used everywhere a deal moves.
    def stage(self, key: str) -> Stage | None:
        return next((s for s in self.stages if s.key == key), None)

    def stage_index(self, key: str) -> int:
        return [s.key for s in self.stages].index(key)

    def next_stages(self, key: str) -> list[str]:
        stage = self.stage(key)
        if stage is None:
            return []
        if stage.next is not None:
            return list(stage.next)
        i = self.stage_index(key)
        return [self.stages[i + 1].key] if i + 1 < len(self.stages) else ["won"]

    def emphasis(self, language: str) -> dict[str, str]:
        return {e.role: e.emphasis.get(language) for e in self.stakeholder_emphasis}

    def stage_label(self, key: str, language: str) -> str:
        if key in ("won", "lost"):
            return getattr(self.closed, key).get(language)
        stage = self.stage(key)
        return stage.label.get(language) if stage else key

    def stage_labels(self, language: str) -> dict[str, str]:
        """Every stage's label by key, the closed ones' (won, lost) too."""
        return {s.key: s.label.get(language) for s in self.stages} | {
            "won": self.closed.won.get(language),
            "lost": self.closed.lost.get(language),
        }


CLOSED_STAGES = ("won", "lost")
# Lead statuses the code moves leads through; a playbook may add more, not remove these.
REQUIRED_LEAD_STATUSES = ("new", "contacted", "qualified", "nurturing", "disqualified", "converted")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
