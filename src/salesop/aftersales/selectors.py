"""After-sales reads, always for a user: projects and tickets follow the visibility rules of
every owned record (owner, shared with, manager's subtree, sales ops)."""

from django.db.models import Case, F, Prefetch, QuerySet, When
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language

from salesop.accounts.models import User
from salesop.accounts.visibility import get_visible_or_404
from salesop.aftersales import growth
from salesop.aftersales.models import (
    DeliveryProject,
    DeliveryRole,
    GrowthStage,
    Milestone,
    Opportunity,
    PortalLink,
    ProgressUpdate,
    ProjectMember,
    ProjectStatus,
    Revisit,
    RevisitForm,
    RevisitStatus,
    Survey,
    Ticket,
    TicketMessage,
    TicketStatus,
    UpdateStatus,
)
from salesop.contracts.selectors import contracts_visible_to
from salesop.core.time import company_today
from salesop.core.tokens import token_hash
from salesop.customers.models import Account
from salesop.customers.selectors import account_for
from salesop.playbook.selectors import active_playbook
from salesop.pricing.models import Product
from salesop.pricing.selectors import products_on_sale


def delivery_person(account, role: str, project=None, *, active_only: bool = False) -> User:
    """Who holds `role` for the customer: on `project` if given, else on its latest project
    (only active ones with `active_only`) that has someone in it; else the account's owner."""
    members = ProjectMember.objects.filter(role=role).select_related("user")
    if project is not None:
        members = members.filter(project=project)
    else:
        members = members.filter(project__account=account)
        if active_only:
            members = members.filter(project__status=ProjectStatus.ACTIVE)
    member = members.order_by("-project__created_at", "-project_id").first()
    return member.user if member else account.owner


def projects_visible_to(user: User) -> QuerySet[DeliveryProject]:
    return DeliveryProject.objects.visible_to(user).select_related("account", "owner", "deal")


def projects_latest(user: User) -> list[DeliveryProject]:
    """The newest projects the user sees, for the list page and the API's list."""
    return list(projects_visible_to(user).order_by("-created_at")[:200])


def project_for(user: User, project_id: int) -> DeliveryProject:
    return get_visible_or_404(
        DeliveryProject.objects.select_related(
            "account", "owner", "deal", "team", "handover__contract"
        ).prefetch_related(
            Prefetch("members", queryset=ProjectMember.objects.select_related("user")),
            Prefetch("milestones", queryset=Milestone.objects.all()),
        ),
        user,
        pk=project_id,
    )


def milestone_of(project: DeliveryProject, milestone_id: int) -> Milestone:
    """One of the project's milestones (the caller fetched the project through its visibility
    selector); 404 otherwise."""
    return get_object_or_404(project.milestones, pk=milestone_id)


def milestone_for(user: User, milestone_id: int) -> Milestone:
    """A milestone through its project's visibility: 404 alike for missing and forbidden."""
    milestone = get_object_or_404(Milestone, pk=milestone_id)
    project_for(user, milestone.project_id)
    return milestone


def draft_update_of(project: DeliveryProject, update_id: int) -> ProgressUpdate:
    """The project's progress update still in draft; 404 for a sent one, as for a missing one."""
    return get_object_or_404(project.updates, pk=update_id, status=UpdateStatus.DRAFT)


def updates_of(project: DeliveryProject) -> list[ProgressUpdate]:
    """The project's latest weekly updates, newest first."""
    return list(project.updates.select_related("sent_by")[:12])


def delivery_candidates() -> dict[str, list[User]]:
    """Per delivery role, the active people who hold it: whom the team may be given."""
    return {
        role: list(User.objects.filter(is_active=True, role_grants__role=role).order_by("username"))
        for role in DeliveryRole.values
    }


def active_user(user_id: int) -> User | None:
    """An active user by id, or None: the service refuses a missing and an inactive one alike."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def contact_emails(account: Account) -> list[str]:
    """Addresses of the company's contacts, offered as a progress update's recipients."""
    return list(account.contacts.exclude(email="").values_list("email", flat=True)[:10])


def missing_roles(project: DeliveryProject) -> list[str]:
    """The playbook's delivery roles nobody holds on the project yet."""
    assigned = {m.role for m in project.members.all()}
    return [role for role in active_playbook().delivery.roles if role not in assigned]


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(user).select_related("account", "owner", "project")


def ticket_for(user: User, ticket_id: int) -> Ticket:
    return get_visible_or_404(
        Ticket.objects.select_related("account", "owner", "project").prefetch_related(
            "messages__author"
        ),
        user,
        pk=ticket_id,
    )


def with_next_due(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Each ticket's running clock as `next_due` (the first response, then the solution
    direction; none once both are given): one expression for the staff's queue and the
    customer's link."""
    return tickets.annotate(
        next_due=Case(
            When(responded_at__isnull=True, then=F("first_response_due_at")),
            When(direction_at__isnull=True, then=F("direction_due_at")),
            default=None,
        )
    )


def ticket_queue(user: User, *, include_resolved: bool = False) -> QuerySet[Ticket]:
    """Open tickets, the one whose running clock ends first on top."""
    tickets = tickets_visible_to(user)
    if not include_resolved:
        tickets = tickets.exclude(status=TicketStatus.RESOLVED)
    return with_next_due(tickets).order_by(F("next_due").asc(nulls_last=True), "opened_at", "id")


def project_tickets(user: User, project: DeliveryProject) -> QuerySet[Ticket]:
    """The project's tickets, resolved ones included, in the queue's order."""
    return ticket_queue(user, include_resolved=True).filter(project=project)


def portal_tickets(account) -> QuerySet[Ticket]:
    """What the customer's link shows: that account's tickets only, newest first."""
    return with_next_due(Ticket.objects.filter(account=account)).order_by("-opened_at", "-id")


def portal_ticket(account, number: str) -> Ticket:
    """One of the account's tickets by its number, as the customer's link shows it; 404 for
    another company's, as for a missing one."""
    return get_object_or_404(portal_tickets(account), number=number)


def messages_of(ticket: Ticket) -> list[TicketMessage]:
    """The ticket's conversation, oldest first, with who wrote each message."""
    return list(ticket.messages.select_related("author"))


def portal_account(token: str) -> Account | None:
    """The account a customer link opens, or None for an unknown or revoked token."""
    link = (
        PortalLink.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("account")
        .first()
    )
    return link.account if link else None


def survey_for(token: str) -> Survey | None:
    """The survey a one-time link opens (answered, expired or not), or None."""
    return Survey.objects.select_related("account").filter(token_hash=token_hash(token)).first()


def product_on_offer(product_id) -> Product:
    """A product the company still sells, to offer a customer as an add-on; 404 otherwise."""
    return get_object_or_404(products_on_sale(), pk=product_id)


def growth_of(account, playbook=None) -> dict:
    """The customer's growth stage, what the playbook's rules suggest instead (or None), and
    the add-ons to recommend: one read for the company page and the API."""
    playbook = playbook or active_playbook()
    stage = growth.stage_of(account)
    return {
        "stage": stage,
        "suggestion": growth.suggest_stage(account, playbook),
        "recommendations": growth.recommendations(account, stage=stage, playbook=playbook),
    }


def revisit_for(user: User, revisit_id: int) -> Revisit:
    """A revisit through its company's visibility: 404 alike for missing and forbidden."""
    revisit = get_object_or_404(Revisit.objects.select_related("account"), pk=revisit_id)
    account_for(user, revisit.account_id)
    return revisit


def revisits_of(account) -> QuerySet[Revisit]:
    """The company's revisits (the caller fetched it through its visibility selector)."""
    return Revisit.objects.filter(account=account)[:200]


def revisits_planned_for(user: User) -> QuerySet[Revisit]:
    """The user's own planned revisits, the next one first."""
    return (
        Revisit.objects.filter(owner=user, status=RevisitStatus.PLANNED)
        .select_related("account")
        .order_by("due_on")[:200]
    )


def follow_up_of(revisit: Revisit) -> Opportunity | None:
    """The lead or deal a revisit's new need became, if any."""
    return Opportunity.objects.filter(revisit=revisit).first()


def account_context(user, account) -> dict:
    """What the company page shows beyond its deals: contracts, delivery projects, tickets,
    revisits, feedback, its growth stage and the add-ons to recommend. A prospect (no
    contract, no project) costs two queries."""
    contracts = list(contracts_visible_to(user).filter(deal__account=account)[:10])
    projects = list(projects_visible_to(user).filter(account=account)[:10])
    if not contracts and not projects:
        return {"aftersales": None}
    today = company_today()
    playbook = active_playbook()  # read once for the growth advice and the churn reasons
    offers = growth_of(account, playbook)
    stage, suggestion = offers["stage"], offers["suggestion"]
    return {
        "aftersales": {
            "contracts": contracts,
            "projects": projects,
            "tickets": list(tickets_visible_to(user).filter(account=account)[:10]),
            "revisits_next": list(
                Revisit.objects.filter(
                    account=account, status=RevisitStatus.PLANNED, due_on__gte=today
                ).select_related("owner")[:3]
            ),
            "revisits_done": list(
                Revisit.objects.filter(account=account, status=RevisitStatus.DONE)
                .select_related("owner")
                .order_by("-done_on")[:5]
            ),
            "surveys": list(
                Survey.objects.filter(account=account, answered_at__isnull=False).order_by(
                    "-answered_at"
                )[:5]
            ),
            "stage": stage,
            "stage_label": GrowthStage(stage).label,
            "stages": GrowthStage.choices,
            "suggestion": suggestion,
            "suggestion_label": GrowthStage(suggestion[0]).label if suggestion else "",
            "recommendations": offers["recommendations"],
            "revisit_forms": RevisitForm.choices,
            "churn_reasons": [
                (r.key, r.label.get(get_language() or "zh-hans")) for r in playbook.churn_reasons
            ],
            "churned": account.churns.first(),
        }
    }
