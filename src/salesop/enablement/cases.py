"""The case library (案例库): a closed deal becomes a case with its timeline and objections
snapshotted, written up by its rep, reviewed by a manager, then searchable by everyone."""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, User
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.time import company_date
from salesop.deals.models import Deal, DealStatus, StageEventKind
from salesop.enablement import events
from salesop.enablement.models import Case, CaseStatus
from salesop.enablement.rules import may_edit_case, may_review_case


@transaction.atomic
def case_create(*, by: User, deal: Deal) -> Case:
    """A case from a won or lost deal the author may see, its history copied as it is now."""
    if not Deal.objects.seen_by(by, deal.pk):
        raise DomainError(
            "not_visible",
            _("You cannot see this deal, so you cannot write it up."),
            {"deal": _("Not one of your deals.")},
        )
    if deal.status not in (DealStatus.WON, DealStatus.LOST):
        raise DomainError(
            "deal_open", _("Only a won or lost deal can become a case."), {"deal": _("Still open.")}
        )
    if Case.objects.filter(deal=deal).exists():
        raise DomainError("case_exists", _("This deal is already a case."))
    timeline = []
    for event in deal.stage_events.order_by("at", "id"):
        if event.kind in (
            StageEventKind.CREATED,
            StageEventKind.MOVED,
            StageEventKind.WON,
            StageEventKind.LOST,
        ):
            if timeline:
                timeline[-1]["days"] = round(event.seconds_in_previous / 86400, 1)
            entered = company_date(event.at).isoformat()
            timeline.append({"stage": event.to_stage, "entered": entered, "days": None})
    objections = [
        {
            "category": o.category,
            "words": o.customer_words,
            "answer": o.answer_used,
            "resolved": o.resolved,
        }
        for o in deal.objections.order_by("raised_at")
    ]
    products = sorted(
        {
            line.product.name
            for quote in deal.quotes.all()
            for line in quote.lines.select_related("product")
            if line.product_id
        }
    )
    with audit_actor(by):
        return Case.objects.create(
            deal=deal,
            author=by,
            title=deal.name,
            outcome=deal.status,
            industry=deal.account.industry,
            products=", ".join(products)[:300],
            timeline=timeline,
            objections=objections,
        )


@transaction.atomic
def case_write(*, by: User, case: Case, title: str, decisive_moments: str, lessons: str) -> Case:
    if not may_edit_case(by, case):
        if by.pk != case.author_id:
            raise DomainError("not_author", _("Only the case's author edits it."))
        raise DomainError("case_locked", _("The case is with the manager or published."))
    if not lessons.strip():
        raise DomainError(
            "lessons", _("Write the lessons."), {"lessons": _("This field is required.")}
        )
    with audit_actor(by):
        case.title = (title.strip() or case.title)[:200]
        case.decisive_moments = decisive_moments.strip()[:5000]
        case.lessons = lessons.strip()[:5000]
        case.status = CaseStatus.IN_REVIEW
        case.save()
    events.case_submitted(case, by=by)
    return case


@transaction.atomic
def case_review(*, by: User, case: Case, publish: bool, note: str = "") -> Case:
    """A manager of the author's team (or sales ops) publishes the case or returns it."""
    if not may_review_case(by, case):
        raise DomainError("forbidden", _("A manager of the author's team reviews the case."))
    if case.status != CaseStatus.IN_REVIEW:
        raise DomainError("not_in_review", _("The case is not waiting for review."))
    if not publish and not note.strip():
        raise DomainError("note", _("Say what to change."), {"note": _("This field is required.")})
    with audit_actor(by):
        case.status = CaseStatus.PUBLISHED if publish else CaseStatus.RETURNED
        case.reviewed_by = by
        case.reviewed_at = timezone.now()
        case.review_note = note.strip()[:1000]
        case.save()
    events.case_reviewed(case, by=by)
    return case


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Published cases for everyone; drafts for their author and the author's managers."""
    mine = Q(author=user)
    if Role.MANAGER in user.roles and user.team_id:
        mine |= Q(author__team__path__startswith=user.team.path)
    if user.sees_everything:
        mine = Q()
    return Case.objects.filter(Q(status=CaseStatus.PUBLISHED) | mine).select_related("author")


def case_search(
    user: User,
    *,
    q: str = "",
    industry: str = "",
    product: str = "",
    stage: str = "",
    objection: str = "",
) -> list[Case]:
    """Cases matching the words (title, lessons, moments) and the industry, product, a stage
    the deal went through and an objection category raised."""
    cases = cases_visible_to(user)
    if q:
        cases = cases.filter(
            Q(title__icontains=q) | Q(lessons__icontains=q) | Q(decisive_moments__icontains=q)
        )
    if industry:
        cases = cases.filter(industry=industry)
    if product:
        cases = cases.filter(products__icontains=product)
    found = list(cases[:500])
    if stage:
        found = [c for c in found if stage in c.stages]
    if objection:
        found = [c for c in found if objection in c.categories]
    return found
