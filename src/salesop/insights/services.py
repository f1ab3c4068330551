"""Writes that come out of the reports: a calibration's proposed grading thresholds become the
running playbook, the monthly review goes out to the managers, and its proposals become a draft
playbook version."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, User
from salesop.core.errors import DomainError
from salesop.core.time import company_today
from salesop.insights import selectors
from salesop.insights.models import MonthlyReview
from salesop.insights.review import review
from salesop.insights.rules import Period, month_period
from salesop.monitor.jobs import monthly
from salesop.monitor.models import Notification
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.services import playbook_activate, playbook_draft


@transaction.atomic
def grading_apply(*, by: User, period: Period) -> PlaybookVersion:
    """Recomputes the calibration for the year up to the period's end over every team and
    makes its proposed A and B thresholds a new, active playbook version whose comment holds
    the evidence."""
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations may change the playbook."))
    grading = selectors.grading(by, period)
    proposal = grading.proposal
    if proposal is None:
        raise DomainError(
            "no_proposal", _("The calibration proposes no change to the grading thresholds.")
        )
    now, then = grading.rates, proposal.rates
    comment = _(
        "Grading calibration %(start)s to %(end)s: A from %(a0)d to %(a1)d, B from %(b0)d to "
        "%(b1)d; A wins %(ra0)s%% -> %(ra1)s%%, B %(rb0)s%% -> %(rb1)s%%."
    ) % {
        "start": grading.window.start,
        "end": grading.window.end,
        "a0": grading.current[0],
        "a1": proposal.a,
        "b0": grading.current[1],
        "b1": proposal.b,
        "ra0": now["A"].rate,
        "ra1": then["A"].rate,
        "rb0": now["B"].rate,
        "rb1": then["B"].rate,
    }
    version = playbook_draft(
        changes={("bant", "grades", "a"): proposal.a, ("bant", "grades", "b"): proposal.b},
        by=by,
        comment=comment,
    )
    return playbook_activate(version=version, by=by)


def reviewer() -> User:
    """Whose eyes the company-wide review is computed with: an active sales-ops user or
    superuser."""
    reviewer = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(role_grants__role=Role.OPS))
        .order_by("pk")
        .first()
    )
    if reviewer is None:
        raise DomainError("no_ops", _("The review needs an active sales-operations user."))
    return reviewer


@transaction.atomic
def review_send(*, period: Period, now: datetime | None = None) -> MonthlyReview | None:
    """Tells every active manager, director and sales-ops user that the month's review is
    ready (inbox, and email after their quiet hours); once per month. None if already sent."""
    now = now or timezone.now()
    review, created = MonthlyReview.objects.get_or_create(
        month=period.start, defaults={"sent_at": now}
    )
    if not created:
        return None
    people = (
        User.objects.filter(is_active=True)
        .filter(role_grants__role__in=[Role.MANAGER, Role.DIRECTOR, Role.OPS])
        .distinct()
    )
    url = f"{reverse('insights:review')}?month={period.start:%Y-%m}"
    for person in people:
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title = _("The monthly SOP review for %(month)s is ready") % {
                "month": f"{period.start:%Y-%m}"
            }
        Notification.objects.create(
            user=person, title=title, url=url, created_at=now, email_due_at=now
        )
        review.recipients += 1
    review.save(update_fields=["recipients"])
    return review


@transaction.atomic
def review_draft_playbook(*, by: User, period: Period) -> PlaybookVersion:
    """The review's proposals that change the playbook, as one new inactive version for sales
    ops to read and activate."""
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations may change the playbook."))
    result = review(by, period)
    if not result.playbook_changes:
        raise DomainError(
            "no_proposal", _("This month's review proposes no change to the playbook.")
        )
    titles = "; ".join(p.title for p in result.proposals if p.changes)
    return playbook_draft(
        changes=result.playbook_changes,
        by=by,
        comment=_("From the monthly review %(month)s: %(changes)s")
        % {"month": f"{period.start:%Y-%m}", "changes": titles},
    )


@monthly("sop_review")
def review_last_month() -> MonthlyReview | None:
    """The monthly job: the month just ended goes out."""
    today = company_today()
    return review_send(period=month_period(today.year, today.month).previous())
