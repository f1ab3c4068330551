"""Reads for proposals and objections, always through the deal's visibility."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language

from salesop.accounts.models import User
from salesop.deals.models import (
    Deal,
    DealObjection,
    Need,
    ObjectionCategory,
    ObjectionEntry,
    Proposal,
    ProposalTemplate,
    Stakeholder,
    StakeholderRole,
    ValueRow,
)
from salesop.deals.proposals.roi import RoiFigures, suggested_audience
from salesop.deals.proposals.services import figures_of
from salesop.deals.selectors import deal_for, playbook_of


def proposals_of(deal: Deal) -> QuerySet[Proposal]:
    return deal.proposals.annotate(row_count=Count("rows")).order_by("-number")


def proposal_for(user: User, deal_id: int, proposal_id: int) -> Proposal:
    """The proposal of a deal `user` sees; 404 alike for a missing or invisible one."""
    deal = deal_for(user, deal_id)
    proposal = get_object_or_404(Proposal, pk=proposal_id, deal=deal)
    proposal.deal = deal  # already loaded with its account and owner
    return proposal


def proposal_by_id(user: User, proposal_id: int) -> Proposal:
    """For the API's /proposals/{id} paths: found, then checked against the deal's visibility."""
    deal_id = get_object_or_404(Proposal.objects.values_list("deal_id", flat=True), pk=proposal_id)
    return proposal_for(user, deal_id, proposal_id)


def objection_for(user: User, deal_id: int, objection_id: int) -> DealObjection:
    deal = deal_for(user, deal_id)
    objection = get_object_or_404(DealObjection, pk=objection_id, deal=deal)
    objection.deal = deal
    return objection


def objection_library(
    industry: str | None = None, category: str = "", active_only: bool = True
) -> QuerySet[ObjectionEntry]:
    """Library answers; with `industry`, those for it plus those for every industry."""
    entries = ObjectionEntry.objects.all()
    if active_only:
        entries = entries.filter(active=True)
    if industry is not None:
        entries = entries.filter(Q(industry="") | Q(industry=industry))
    if category:
        entries = entries.filter(category=category)
    return entries.order_by("category", "-industry", "id")


def library_answer_for(deal, entry_id: int | None) -> ObjectionEntry | None:
    """The library answer a rep picked for the deal's objection: an active one for the
    deal's industry or every industry (what the page offers), else None."""
    if entry_id is None:
        return None
    return objection_library(deal.account.industry).filter(pk=entry_id).first()


@dataclass
class Anticipated:
    category: str
    label: str
    raised_in_industry: int
    entries: list[ObjectionEntry] = field(default_factory=list)


def anticipated_objections(deal: Deal) -> list[Anticipated]:
    """The library's answers for this deal's industry, by category, the categories customers
    of the industry raise most often first (two queries)."""
    industry = deal.account.industry
    counts = dict(
        DealObjection.objects.filter(deal__account__industry=industry)
        .order_by()
        .values_list("category")
        .annotate(n=Count("id"))
    )
    groups: dict[str, Anticipated] = {}
    labels = dict(ObjectionCategory.choices)
    for entry in objection_library(industry):
        group = groups.setdefault(
            entry.category,
            Anticipated(entry.category, str(labels[entry.category]), counts.get(entry.category, 0)),
        )
        group.entries.append(entry)
    return sorted(groups.values(), key=lambda g: -g.raised_in_industry)


def objections_of(deal: Deal) -> QuerySet[DealObjection]:
    return deal.objections.select_related("entry", "by").order_by("-raised_at", "-id")


@dataclass
class ProposalPage:
    """What the proposal editor shows besides the proposal's own fields."""

    proposal: Proposal
    rows: list[ValueRow]
    figures: RoiFigures | None
    needs: list[Need]
    suggested_audience: str
    stakeholder_roles: list[str]
    # (role label, what the playbook says to stress with it) for the roles on this deal
    emphasis: list[tuple[str, str]]
    versions: list[Proposal]
    anticipated: list[Anticipated]
    objections: list[DealObjection]

    @property
    def is_latest(self) -> bool:
        return self.versions[0].pk == self.proposal.pk

    @property
    def editable(self) -> bool:
        return self.is_latest and self.proposal.is_draft and self.proposal.deal.is_open

    @property
    def presentable(self) -> bool:
        return self.is_latest and self.proposal.deal.is_open


def proposal_page(proposal: Proposal) -> ProposalPage:
    deal = proposal.deal
    roles = sorted(set(Stakeholder.objects.filter(deal=deal).values_list("role", flat=True)))
    stress = playbook_of(deal).emphasis(get_language() or "zh-hans")
    labels = dict(StakeholderRole.choices)
    return ProposalPage(
        proposal=proposal,
        rows=list(proposal.rows.select_related("need")),
        figures=figures_of(proposal),
        needs=list(Need.objects.filter(deal=deal)),
        suggested_audience=suggested_audience(roles),
        stakeholder_roles=roles,
        emphasis=[(str(labels.get(r, r)), stress[r]) for r in roles if r in stress],
        versions=list(deal.proposals.order_by("-number").only("id", "deal_id", "number", "status")),
        anticipated=anticipated_objections(deal),
        objections=list(objections_of(deal)),
    )


def templates_uploaded(most: int = 50) -> QuerySet[ProposalTemplate]:
    """The uploaded proposal templates, newest first, without their files."""
    return ProposalTemplate.objects.select_related("uploaded_by").defer("content")[:most]
