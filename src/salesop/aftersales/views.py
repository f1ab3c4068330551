"""After-sales pages: projects (team, milestones, weekly update, tickets), the ticket queue
and ticket page, and the customer's link (no login) to open and follow tickets."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.aftersales import growth, projects, revisits, rules, selectors, surveys, tickets
from salesop.aftersales.models import (
    DeliveryRole,
    Health,
    ProjectStatus,
    RevisitForm,
    SurveyTrigger,
    TicketChannel,
)
from salesop.aftersales.rules import week_of
from salesop.core.errors import DomainError
from salesop.core.forms import act_then_redirect, flash_refusal
from salesop.core.params import parse_id, parse_int
from salesop.core.throttle import over_limit
from salesop.core.time import company_today
from salesop.customers.selectors import account_for
from salesop.playbook.selectors import active_playbook


def _severity_choices() -> list[tuple[str, str]]:
    return [(s[0], s[1]) for s in tickets.severities(active_playbook())]


def time_left(due, now) -> dict:
    """For the page: the due time and how long is left (negative: overdue)."""
    seconds = int((due - now).total_seconds())
    return {
        "due": due,
        "overdue": seconds < 0,
        "hours": abs(seconds) // 3600,
        "minutes": abs(seconds) % 3600 // 60,
    }


# --- projects -------------------------------------------------------------------------------


@login_required
def project_list(request):
    return render(
        request, "aftersales/projects.html", {"projects": selectors.projects_latest(request.user)}
    )


@login_required
def project_detail(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    week = week_of(company_today())
    updates = selectors.updates_of(project)
    this_week = next((u for u in updates if u.week == week), None)
    members = {m.role: m for m in project.members.all()}
    candidates = selectors.delivery_candidates()
    queue = _clocked(selectors.project_tickets(request.user, project)[:50])
    return render(
        request,
        "aftersales/project.html",
        {
            "project": project,
            "roles": [
                {
                    "key": role,
                    "label": DeliveryRole(role).label,
                    "member": members.get(role),
                    "candidates": candidates[role],
                }
                for role in DeliveryRole.values
            ],
            "missing_roles": selectors.missing_roles(project),
            "may_manage": rules.may_manage(request.user, project),
            "may_send_update": rules.may_send_update(request.user, project),
            "statuses": ProjectStatus.choices,
            "healths": Health.choices,
            "this_week": this_week,
            "updates": updates,
            "tickets": queue,
            "severities": _severity_choices(),
            "channels": TicketChannel.choices,
            "today": company_today(),
            "contacts": selectors.contact_emails(project.account),
            "audit_of": project,
        },
    )


@login_required
@require_POST
def member_set(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    # Looked up here, judged by the service after its own check of who may manage the team.
    user_id = parse_id(request.POST.get("user"))
    user = selectors.active_user(user_id) if user_id else None
    return act_then_redirect(
        request,
        lambda: projects.member_set(
            project=project, by=request.user, role=request.POST.get("role", ""), user=user
        ),
        _("Team updated."),
        reverse("aftersales:project", args=[project.pk]),
    )


@login_required
@require_POST
def project_update(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    return act_then_redirect(
        request,
        lambda: projects.project_update(
            project=project,
            by=request.user,
            status=request.POST.get("status", ""),
            health=request.POST.get("health", ""),
        ),
        _("Saved."),
        reverse("aftersales:project", args=[project.pk]),
    )


@login_required
@require_POST
def milestone_done(request, project_id: int, milestone_id: int):
    project = selectors.project_for(request.user, project_id)
    milestone = selectors.milestone_of(project, milestone_id)
    return act_then_redirect(
        request,
        lambda: projects.milestone_done(milestone=milestone, by=request.user),
        _("Milestone done."),
        reverse("aftersales:project", args=[project.pk]),
    )


@login_required
@require_POST
def update_draft(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    return act_then_redirect(
        request,
        lambda: projects.update_draft(project=project, by=request.user),
        _("Drafted from the milestones: edit it and send."),
        reverse("aftersales:project", args=[project.pk]) + "#update",
    )


@login_required
@require_POST
def update_send(request, project_id: int, update_id: int):
    project = selectors.project_for(request.user, project_id)
    update = selectors.draft_update_of(project, update_id)
    recipients = [
        r.strip()
        for r in request.POST.get("recipients", "").replace(";", ",").split(",")
        if r.strip()
    ]
    email = request.POST.get("how") != "marked"
    return act_then_redirect(
        request,
        lambda: projects.update_send(
            update=update,
            by=request.user,
            text=request.POST.get("text", ""),
            recipients=recipients,
            email=email,
        ),
        _("Update sent.") if email else _("Update recorded as sent."),
        reverse("aftersales:project", args=[project.pk]) + "#update",
    )


@login_required
@require_POST
def portal_link(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    token = tickets.portal_link_create(account=project.account, by=request.user)
    url = request.build_absolute_uri(reverse("portal:home", args=[token]))
    messages.success(
        request,
        _("The customer's link (shown once; a new one replaces it): %(url)s") % {"url": url},
    )
    return redirect(reverse("aftersales:project", args=[project.pk]))


# --- tickets --------------------------------------------------------------------------------


def _clocked(queryset) -> list:
    """The tickets (annotated with `next_due`) with the time left on their running clock."""
    now = timezone.now()
    rows = list(queryset)
    for ticket in rows:
        ticket.clock = time_left(ticket.next_due, now) if ticket.next_due else None
    return rows


@login_required
def ticket_queue(request):
    queue = _clocked(selectors.ticket_queue(request.user)[:200])
    return render(
        request,
        "aftersales/tickets.html",
        {"tickets": queue, "labels": dict(_severity_choices())},
    )


@login_required
@require_POST
def ticket_add(request, project_id: int):
    project = selectors.project_for(request.user, project_id)
    try:
        ticket = tickets.ticket_open(
            account=project.account,
            project=project,
            by=request.user,
            channel=request.POST.get("channel", ""),
            severity=request.POST.get("severity", ""),
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            reporter=request.POST.get("reporter", ""),
        )
    except DomainError as exc:
        flash_refusal(request, exc)
        return redirect(reverse("aftersales:project", args=[project.pk]) + "#tickets")
    messages.success(request, _("Ticket %(number)s opened.") % {"number": ticket.number})
    return redirect(ticket.get_absolute_url())


@login_required
def ticket_detail(request, ticket_id: int):
    ticket = selectors.ticket_for(request.user, ticket_id)
    now = timezone.now()
    return render(
        request,
        "aftersales/ticket.html",
        {
            "ticket": ticket,
            "response": time_left(ticket.first_response_due_at, ticket.responded_at or now),
            "direction": time_left(ticket.direction_due_at, ticket.direction_at or now),
            "severity_label": dict(_severity_choices()).get(ticket.severity, ticket.severity),
            "audit_of": ticket,
        },
    )


@login_required
@require_POST
def ticket_action(request, ticket_id: int):
    ticket = selectors.ticket_for(request.user, ticket_id)
    action = request.POST.get("action", "")
    if action == "respond":
        run = lambda: tickets.ticket_respond(  # noqa: E731
            ticket=ticket, by=request.user, body=request.POST.get("body", "")
        )
        done = _("Reply recorded.")
    elif action == "direction":
        run = lambda: tickets.ticket_direction(  # noqa: E731
            ticket=ticket, by=request.user, direction=request.POST.get("direction", "")
        )
        done = _("Solution direction recorded.")
    elif action == "resolve":
        run = lambda: tickets.ticket_resolve(ticket=ticket, by=request.user)  # noqa: E731
        done = _("Ticket resolved.")
    else:
        raise Http404
    return act_then_redirect(request, run, done, ticket.get_absolute_url())


# --- the customer's link (no login) ---------------------------------------------------------


def _portal_account(token: str):
    account = selectors.portal_account(token)
    if account is None:
        raise Http404
    return account


def _portal_flooded(request, account) -> str:
    """The refusal when the link took more submissions this minute than it may (429)."""
    if request.method == "POST" and over_limit(
        f"portal:{account.pk}", settings.PORTAL_POSTS_PER_MINUTE
    ):
        return _("Too many submissions through this link in a minute; wait, then try again.")
    return ""


def portal(request, token: str):
    account = _portal_account(token)
    errors, values = {}, {}
    if flooded := _portal_flooded(request, account):
        errors, values = {"title": flooded}, request.POST
    elif request.method == "POST":
        values = request.POST
        try:
            ticket = tickets.ticket_open(
                account=account,
                by=None,
                channel=TicketChannel.PORTAL,
                severity=request.POST.get("severity", ""),
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                reporter=request.POST.get("reporter", ""),
            )
        except DomainError as exc:
            errors = exc.fields or {"title": exc.message}
        else:
            return redirect("portal:ticket", token, ticket.number)
    listed = _clocked(selectors.portal_tickets(account)[:100])
    return render(
        request,
        "aftersales/portal.html",
        {
            "account": account,
            "token": token,
            "tickets": listed,
            "severities": _severity_choices(),
            "errors": errors,
            "values": values,
        },
        status=429 if flooded else 422 if errors else 200,
    )


def portal_ticket(request, token: str, number: str):
    account = _portal_account(token)
    ticket = selectors.portal_ticket(account, number)
    if flooded := _portal_flooded(request, account):
        messages.error(request, flooded)
    elif request.method == "POST":
        try:
            tickets.portal_message(
                ticket=ticket, name=request.POST.get("name", ""), body=request.POST.get("body", "")
            )
        except DomainError as exc:
            flash_refusal(request, exc)
        return redirect("portal:ticket", token, ticket.number)
    return render(
        request,
        "aftersales/portal_ticket.html",
        {
            "account": account,
            "token": token,
            "ticket": ticket,
            "messages_list": selectors.messages_of(ticket),
        },
        status=429 if flooded else 200,
    )


# --- surveys --------------------------------------------------------------------------------


@login_required
@require_POST
def survey_send(request):
    """Sends a survey after a resolved ticket or a done milestone, from their pages."""
    ticket = milestone = account = None
    if request.POST.get("ticket"):
        ticket = selectors.ticket_for(request.user, parse_id(request.POST["ticket"]) or 0)
        back, trigger = ticket.get_absolute_url(), SurveyTrigger.TICKET
    elif request.POST.get("revisit"):
        revisit = selectors.revisit_for(request.user, parse_id(request.POST["revisit"]) or 0)
        account, trigger = revisit.account, SurveyTrigger.REVISIT
        back = reverse("aftersales:revisit", args=[revisit.pk])
    else:
        project = selectors.project_for(request.user, parse_id(request.POST.get("project")) or 0)
        milestone_id = parse_id(request.POST.get("milestone")) or 0
        milestone = selectors.milestone_of(project, milestone_id)
        back, trigger = project.get_absolute_url(), SurveyTrigger.MILESTONE
    try:
        _survey, token = surveys.survey_send(
            by=request.user,
            trigger=trigger,
            account=account,
            ticket=ticket,
            milestone=milestone,
            email=request.POST.get("email", "").strip(),
        )
    except DomainError as exc:
        flash_refusal(request, exc)
    else:
        url = request.build_absolute_uri(reverse("portal:survey", args=[token]))
        messages.success(request, _("Survey sent. Its one-time link: %(url)s") % {"url": url})
    return redirect(back)


def survey_page(request, token: str):
    survey = selectors.survey_for(token)
    closed = surveys.survey_open(survey)
    errors = {}
    if closed is None and request.method == "POST":

        def score(name):
            return parse_int(request.POST.get(name))

        try:
            surveys.survey_answer(
                token=token,
                nps=score("nps"),
                csat=score("csat"),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            errors = exc.fields or {"nps": exc.message}
        else:
            return render(request, "aftersales/survey.html", {"thanks": True})
    return render(
        request,
        "aftersales/survey.html",
        {
            "survey": survey,
            "closed": closed,
            "errors": errors,
            "values": request.POST,
            "nps_range": range(11),
            "csat_range": range(1, 6),
        },
        status=422 if errors else (404 if survey is None else 200),
    )


def calendar_feed(request, token: str):
    """A user's planned revisits as an ICS feed for their calendar app (no login: the token
    is the key; a replaced token answers 404)."""
    user = revisits.calendar_user(token)
    if user is None:
        raise Http404
    return HttpResponse(
        revisits.calendar_ics(user, request.build_absolute_uri("/")),
        content_type="text/calendar; charset=utf-8",
    )


# --- the account's after-sales view (account 360) and growth --------------------------------


@login_required
@require_POST
def stage_set(request, account_id: int):
    account = account_for(request.user, account_id)
    return act_then_redirect(
        request,
        lambda: growth.stage_set(
            account=account,
            by=request.user,
            stage=request.POST.get("stage", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("Stage saved."),
        reverse("customers:detail", args=[account.pk]) + "#growth",
    )


@login_required
@require_POST
def churn_record(request, account_id: int):
    account = account_for(request.user, account_id)
    return act_then_redirect(
        request,
        lambda: growth.account_churn(
            account=account,
            by=request.user,
            reason=request.POST.get("reason", ""),
            competitor=request.POST.get("competitor", ""),
            note=request.POST.get("note", ""),
        ),
        _("The customer is recorded as lost."),
        reverse("customers:detail", args=[account.pk]) + "#growth",
    )


@login_required
@require_POST
def recommendation_accept(request, account_id: int):
    account = account_for(request.user, account_id)
    product = selectors.product_on_offer(request.POST.get("product") or 0)
    try:
        opportunity = growth.recommendation_accept(
            account=account, by=request.user, product=product, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        flash_refusal(request, exc)
        return redirect(reverse("customers:detail", args=[account.pk]) + "#growth")
    messages.success(request, _("Deal opened from the recommendation."))
    return redirect("deals:detail", opportunity.deal_id)


@login_required
def revisit_list(request):
    """My planned revisits, and the address of their calendar feed."""
    items = list(selectors.revisits_planned_for(request.user))
    return render(
        request,
        "aftersales/revisits.html",
        {"revisits": items, "today": company_today()},
    )


@login_required
@require_POST
def calendar_link(request):
    token = revisits.calendar_feed_create(user=request.user)
    url = request.build_absolute_uri(reverse("portal:calendar", args=[token]))
    messages.success(
        request,
        _("Your calendar feed (shown once; a new one replaces it): %(url)s") % {"url": url},
    )
    return redirect("aftersales:revisits")


@login_required
def revisit_detail(request, revisit_id: int):
    revisit = selectors.revisit_for(request.user, revisit_id)
    errors = {}
    if request.method == "POST":
        done_on = request.POST.get("done_on", "")
        try:
            revisits.revisit_record(
                revisit=revisit,
                by=request.user,
                form=request.POST.get("form", ""),
                product_experience=request.POST.get("product_experience", ""),
                new_needs=request.POST.get("new_needs", ""),
                competitor_news=request.POST.get("competitor_news", ""),
                competitor=request.POST.get("competitor", ""),
                done_on=date.fromisoformat(done_on) if done_on else None,
            )
        except (DomainError, ValueError) as exc:
            if isinstance(exc, DomainError):
                flash_refusal(request, exc)
                errors = exc.fields
            else:
                errors = {"done_on": _("Enter a date as YYYY-MM-DD.")}
        else:
            messages.success(request, _("Revisit recorded; the next ones are planned."))
            return redirect("aftersales:revisit", revisit.pk)
    return render(
        request,
        "aftersales/revisit.html",
        {
            "revisit": revisit,
            "forms": RevisitForm.choices,
            "errors": errors,
            "values": request.POST,
            "followed": selectors.follow_up_of(revisit),
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def revisit_follow_up(request, revisit_id: int):
    revisit = selectors.revisit_for(request.user, revisit_id)
    as_lead = request.POST.get("as") == "lead"
    try:
        if as_lead:
            opportunity = revisits.revisit_to_lead(revisit=revisit, by=request.user)
        else:
            opportunity = revisits.revisit_to_deal(revisit=revisit, by=request.user)
    except DomainError as exc:
        flash_refusal(request, exc)
        return redirect("aftersales:revisit", revisit.pk)
    if as_lead:
        messages.success(request, _("The need is a lead in the pool now."))
        return redirect("leads:detail", opportunity.lead_id)
    messages.success(request, _("The need is a growth deal now."))
    return redirect("deals:detail", opportunity.deal_id)
