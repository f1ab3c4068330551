"""Feedback surveys: sent through a one-time link after a milestone, a resolved ticket or a
revisit, answered once; a low score becomes a follow-up task for customer success."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.activities.services import task_create
from salesop.aftersales import events
from salesop.aftersales.models import (
    DeliveryProject,
    DeliveryRole,
    Milestone,
    Survey,
    SurveyTrigger,
    Ticket,
)
from salesop.aftersales.selectors import delivery_person, survey_for
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError
from salesop.core.tokens import token_hash
from salesop.customers.models import Account
from salesop.playbook.selectors import active_playbook


@transaction.atomic
def survey_send(
    *,
    by: User,
    trigger: str,
    account: Account | None = None,
    project: DeliveryProject | None = None,
    ticket: Ticket | None = None,
    milestone: Milestone | None = None,
    email: str = "",
) -> tuple[Survey, str]:
    """A survey through a one-time link (returned with the survey; emailed when `email` is
    given), after a milestone, a resolved ticket or a revisit."""
    if trigger not in SurveyTrigger.values:
        raise DomainError("invalid", _("Unknown survey trigger."), {"trigger": "?"})
    if ticket is not None:
        account, project = ticket.account, ticket.project
    if milestone is not None:
        project = milestone.project
    if project is not None:
        account = project.account
    if account is None:
        raise DomainError("invalid", _("Say which customer the survey is for."))
    token = secrets.token_urlsafe(24)
    days = active_playbook().feedback.link_days
    with audit_actor(by):
        survey = Survey.objects.create(
            account=account,
            project=project,
            ticket=ticket,
            milestone=milestone,
            trigger=trigger,
            token_hash=token_hash(token),
            sent_to=(email or "")[:254],
            sent_by=by,
            expires_at=timezone.now() + timedelta(days=days),
        )
    if email:
        url = settings.BASE_URL.rstrip("/") + reverse("portal:survey", args=[token])
        subject = _("How did we do? %(account)s") % {"account": account.name}
        body = _("Two questions, one minute: %(url)s") % {"url": url}
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return survey, token


def survey_open(survey: Survey | None) -> str | None:
    """Why the survey cannot be answered (a message), or None when it can."""
    if survey is None:
        return _("This survey link is not valid.")
    if survey.answered_at is not None:
        return _("This survey was already answered. Thank you!")
    if survey.expires_at < timezone.now():
        return _("This survey link has expired.")
    return None


@transaction.atomic
def survey_answer(*, token: str, nps, csat, comment: str = "") -> Survey:
    """Records the answer once: a second use or an expired link is refused. A score at or
    below the playbook's threshold opens a follow-up task for customer success."""
    survey = survey_for(token)
    problem = survey_open(survey)
    if problem:
        raise DomainError("survey_closed", problem)
    errors = {}
    if not isinstance(nps, int) or isinstance(nps, bool) or not 0 <= nps <= 10:
        errors["nps"] = _("Choose a number from 0 to 10.")
    if not isinstance(csat, int) or isinstance(csat, bool) or not 1 <= csat <= 5:
        errors["csat"] = _("Choose a number from 1 to 5.")
    if errors:
        raise DomainError("invalid", _("Please answer both questions."), errors)
    now = timezone.now()
    if not Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        answered_at=now, nps=nps, csat=csat, comment=(comment or "").strip()[:5000]
    ):
        raise DomainError("survey_closed", _("This survey was already answered. Thank you!"))
    survey.refresh_from_db()
    rules = active_playbook().feedback
    if nps <= rules.low_nps or csat <= rules.low_csat:
        owner = delivery_person(survey.account, DeliveryRole.CUSTOMER_SUCCESS, survey.project)
        task = task_create(
            by=survey.sent_by,
            assignee=owner,
            account=survey.account,
            title=_("Follow up a low score from %(account)s (NPS %(nps)d, CSAT %(csat)d)")
            % {"account": survey.account.name, "nps": nps, "csat": csat},
            notes=survey.comment,
            due_at=now + timedelta(days=1),
        )
        Survey.objects.filter(pk=survey.pk).update(follow_up=task)
        survey.follow_up = task
        events.low_score(survey)
    return survey
