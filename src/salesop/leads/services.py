"""Every write to leads: creation from any path, qualification (BANT), the first
contact that must come before it, disqualification, nurture, conversion to a deal, assignment."""

import copy
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, Team, User
from salesop.accounts.selectors import colleagues_visible_to
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.core.versioned import check_read, hold, versioned_update
from salesop.customers.models import Account, Contact
from salesop.customers.profiling import latest, lead_fit
from salesop.customers.rules import normalize_company, normalize_email, normalize_phone
from salesop.customers.services import account_create
from salesop.deals.models import Deal
from salesop.deals.services import deal_create
from salesop.leads import events, rules
from salesop.leads.models import (
    AssignmentCursor,
    Channel,
    Lead,
)
from salesop.leads.prediction import predict
from salesop.leads.selectors import find_duplicates
from salesop.playbook.schema import Playbook
from salesop.playbook.selectors import active_playbook

EDITABLE_FIELDS = (
    "company_name",
    "contact_name",
    "title",
    "phone",
    "email",
    "wechat",
    "industry",
    "region",
    "employee_band",
    "notes",
    "budget",
    "budget_currency",
)
OPEN_STATUSES = ("new", "contacted", "qualified", "nurturing")


def _keys(lead: Lead) -> None:
    lead.company_key = normalize_company(lead.company_name)
    lead.email_normalized = normalize_email(lead.email)
    lead.phone_e164 = normalize_phone(lead.phone)


def _company_of(lead: Lead) -> Account | None:
    """The known company the lead's name is (its activities and deal go there), or None."""
    if not lead.company_key:
        return None
    return Account.objects.filter(normalized_name=lead.company_key).first()


def _check_fields(values: dict) -> dict:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(unknown)},
            {name: _("This field cannot be set.") for name in unknown},
        )
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    if "employee_band" in values and values["employee_band"] is None:
        values["employee_band"] = ""  # null clears the band, as "" does
    problem = rules.budget_problem(values.get("budget"), values.get("budget_currency") or "CNY")
    if problem:
        raise DomainError("budget", problem, {"budget": problem})
    return values


def _refuse_duplicate(lead: Lead, exclude: int | None = None) -> None:
    found = find_duplicates(
        email=lead.email_normalized, phone=lead.phone_e164, exclude_lead=exclude
    )
    if found.leads or found.contacts:
        fields = {}
        if lead.email_normalized and any(
            x.email_normalized == lead.email_normalized for x in [*found.leads, *found.contacts]
        ):
            fields["email"] = _("A lead or contact with this email already exists.")
        if lead.phone_e164 and any(
            x.phone_e164 == lead.phone_e164 for x in [*found.leads, *found.contacts]
        ):
            fields["phone"] = _("A lead or contact with this phone number already exists.")
        raise DomainError(
            "duplicate",
            _("This person is already in salesop; ask sales operations to share or merge it."),
            fields,
        )


def pick_owner(playbook: Playbook, *, region: str = "", industry: str = "") -> User | None:
    """Round-robin over the sales reps of the lead's territory team (its subtree), or of the
    whole company when no territory matches. None when nobody sells."""
    territory = rules.territory_for(playbook, region, industry)
    team = Team.objects.filter(name=territory.team).first() if territory else None
    reps = User.objects.filter(is_active=True, role_grants__role=Role.REP).order_by("pk")
    if team is not None:
        reps = reps.filter(team__path__startswith=team.path)
    rep_ids = list(reps.values_list("pk", flat=True))
    if not rep_ids:
        return None
    scope = f"team:{team.pk}" if team else "all"
    # Its own transaction when called on its own (lead_create does): the pool's cursor row is
    # locked only while it moves, not while the lead is written, so intakes run side by side.
    with transaction.atomic():
        cursor = AssignmentCursor.objects.select_for_update().filter(scope=scope).first()
        if cursor is None:  # the pool's first lead (two at once: the unique scope keeps one)
            cursor, _created = AssignmentCursor.objects.get_or_create(scope=scope)
        after = [pk for pk in rep_ids if cursor.last_user_id is None or pk > cursor.last_user_id]
        chosen = (after or rep_ids)[0]
        cursor.last_user_id = chosen
        cursor.save(update_fields=["last_user"])
    return User.objects.select_related("team").get(pk=chosen)


def _fallback_owner() -> User:
    owner = User.objects.filter(is_active=True, role_grants__role=Role.OPS).order_by("pk").first()
    owner = owner or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()
    if owner is None:
        raise DomainError("no_owner", _("Nobody can receive leads yet: create a sales rep first."))
    return owner


def lead_create(
    *,
    by: User | None,
    channel: Channel,
    company_name: str,
    owner: User | None = None,
    allow_duplicate: bool = False,
    idempotency_key: str = "",
    idempotency_body_sha256: str | None = None,
    **values,
) -> Lead:
    """A lead in the pool with its first-contact and follow-up timers running. The owner is who
    it is given to, else the playbook's assignment picks one (manual mode: the creator): the
    rotation moves on before the lead is written, so a refused lead skips a turn."""
    values = _check_fields({"company_name": company_name, **values})
    if not values["company_name"]:
        raise DomainError(
            "required", _("The company is required."), {"company_name": _("Required.")}
        )
    if not channel.is_active:
        raise DomainError(
            "channel", _("This channel is closed."), {"channel": _("Choose an active channel.")}
        )
    playbook = active_playbook()
    if owner is None:
        if playbook.assignment.mode == "round_robin":
            owner = pick_owner(
                playbook, region=values.get("region", ""), industry=values.get("industry", "")
            )
        owner = owner or by or _fallback_owner()
    with transaction.atomic():
        return _lead_write(
            values,
            channel=channel,
            owner=owner,
            by=by,
            playbook=playbook,
            allow_duplicate=allow_duplicate,
            idempotency_key=idempotency_key,
            idempotency_body_sha256=idempotency_body_sha256,
        )


def _lead_write(
    values: dict,
    *,
    channel,
    owner,
    by,
    playbook,
    allow_duplicate,
    idempotency_key,
    idempotency_body_sha256=None,
) -> Lead:
    now = timezone.now()
    lead = Lead(
        channel=channel,
        owner=owner,
        team=owner.team,
        status="new",
        idempotency_key=idempotency_key[:100],
        idempotency_body_sha256=idempotency_body_sha256,
        created_at=now,
        **values,
    )
    _keys(lead)
    if not allow_duplicate:
        _refuse_duplicate(lead)
    lead.account = _company_of(lead)
    lead.first_contact_due_at = now + timedelta(hours=rules.first_contact_hours(playbook))
    lead.followup_due_at = rules.followup_due(playbook, now)
    full_clean_or_refuse(lead, exclude=["owner", "team", "channel", "account", "deal"])
    lead.icp_fit = lead_fit(lead)
    with audit_actor(by):
        lead.save()
    events.lead_arrived(lead, by=by)
    return lead


def _require_open(lead: Lead) -> None:
    if lead.status not in OPEN_STATUSES:
        raise DomainError("lead_closed", _("This lead is closed (converted or disqualified)."))


@transaction.atomic
def lead_update(*, lead: Lead, by: User, expected_version: int | None = None, **values) -> Lead:
    """Edits the lead's fields: only what the edit changes is written, onto the lead as it is
    now (a status or grade set meanwhile by another request stays). With `expected_version`
    (what the editor read), a lead someone changed meanwhile is refused (409) rather than
    overwritten."""
    values = _check_fields(values)
    if "company_name" in values and not values["company_name"]:
        raise DomainError(
            "required", _("The company is required."), {"company_name": _("Required.")}
        )
    hold(Lead, lead.pk)
    lead.refresh_from_db()
    check_read(lead, expected_version, stale=rules.STALE)
    if refusal := rules.edit_refusal(lead):
        raise DomainError("converted", refusal)
    values = {name: value for name, value in values.items() if getattr(lead, name) != value}
    if not values:  # nothing changes: no new version to refuse another editor's save with
        return lead
    draft = copy.copy(lead)  # checked as it will be; the lead itself changes once written
    for name, value in values.items():
        setattr(draft, name, value)
    _keys(draft)
    if problem := rules.budget_problem(draft.budget, draft.budget_currency):
        raise DomainError("budget", problem, {"budget": problem})  # the currency now its own
    if {"email", "phone"} & set(values):
        _refuse_duplicate(draft, exclude=lead.pk)
    full_clean_or_refuse(draft, exclude=["owner", "team", "channel", "account", "deal"])
    draft.icp_fit = lead_fit(draft)  # its industry, region or size may be what changed
    keys = ["company_key", "email_normalized", "phone_e164", "icp_fit"]
    if draft.company_key != lead.company_key:  # renamed: another company, or none known
        draft.account = _company_of(draft)
        keys.append("account")
    versioned_update(
        lead, by=by, stale=rules.STALE, **{name: getattr(draft, name) for name in (*values, *keys)}
    )
    return lead


def lead_touched(*, lead: Lead, at: datetime, by: User) -> None:
    """A contact with the lead was logged: the first one verifies it (new -> contacted); each one
    restarts the follow-up clock."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)  # as it is now, held to the end
    if lead.status not in OPEN_STATUSES:
        return
    playbook = active_playbook()
    last = max(filter(None, [lead.last_activity_at, at]))
    changes = {"last_activity_at": last, "followup_due_at": rules.followup_due(playbook, last)}
    if lead.first_contacted_at is None:
        changes.update(first_contacted_at=at, first_contact_due_at=None)
    if lead.status == "new":
        changes["status"] = "contacted"
    versioned_update(lead, by=by, stale=rules.STALE, **changes)
    if changes.get("status"):
        events.lead_status_changed(lead, by=by, previous="new")


@transaction.atomic
def lead_qualify(
    *,
    lead: Lead,
    by: User,
    bant: dict,
    pain_tags: list[str] | None = None,
    expected_version: int | None = None,
) -> rules.Score:
    """Scores the lead with the playbook's BANT model. Only a contacted lead is qualified (the
    SOP's first-contact verification). A and B become qualified; C goes to nurture with a
    next-touch date."""
    check_read(lead, expected_version, stale=rules.STALE)
    _require_open(lead)
    if lead.first_contacted_at is None:
        raise DomainError(
            "not_contacted",
            _(
                "Contact the lead first (log a call, email or visit): the SOP verifies every "
                "lead by a first contact."
            ),
        )
    playbook = active_playbook()
    errors = rules.bant_errors(bant, playbook.bant)
    if errors:
        raise DomainError(
            "bant",
            _("The BANT answers do not match the playbook's model."),
            {f"bant.{k}": v for k, v in errors.items()},
        )
    score = rules.bant_score(bant, playbook.bant, get_language() or "zh-hans")
    status = "qualified" if score.grade in ("A", "B") else "nurturing"
    changes = {
        "bant": bant,
        "pain_tags": [t.strip()[:40] for t in pain_tags or [] if t.strip()][:20],
        "score": score.total,
        "grade": score.grade,
        "status": status,
        "next_touch_at": timezone.now() + timedelta(days=playbook.nurture_days)
        if status == "nurturing"
        else None,
    }
    lead.pain_tags = changes["pain_tags"]
    changes["icp_fit"] = lead_fit(lead)
    model = latest("win_model")
    if model is not None and model.report.get("enough_data"):
        changes["win_probability"] = round(
            predict(model.report, bant=bant, icp_fit=changes["icp_fit"], channel=lead.channel.name),
            4,
        )
    old_grade, old_status = lead.grade, lead.status
    versioned_update(lead, by=by, stale=rules.STALE, **changes)
    if old_grade != score.grade:
        events.lead_graded(lead, by=by, previous=old_grade, total=score.total)
    if old_status != status:
        events.lead_status_changed(lead, by=by, previous=old_status)
    return score


@transaction.atomic
def lead_disqualify(*, lead: Lead, by: User, reason: str, note: str = "") -> Lead:
    _require_open(lead)
    reasons = {r.key for r in active_playbook().disqualify_reasons}
    if reason not in reasons:
        raise DomainError(
            "reason",
            _("Choose why the lead is invalid from the list."),
            {"reason": _("Choose one of: %(keys)s.") % {"keys": ", ".join(sorted(reasons))}},
        )
    old = lead.status
    versioned_update(
        lead,
        by=by,
        stale=rules.STALE,
        status="disqualified",
        disqualify_reason=reason,
        first_contact_due_at=None,
        followup_due_at=None,
        next_touch_at=None,
    )
    events.lead_status_changed(lead, by=by, previous=old, note=note)
    return lead


@transaction.atomic
def lead_assign(*, lead: Lead, to: User | None, by: User) -> Lead:
    """Hands the lead to an active person the assigner may see (their team's subtree; anyone
    for sales ops); recorded. Managers and sales ops only. Someone out of their sight is
    refused like no one (`to` None), so user ids cannot be probed."""
    if not rules.may_assign(by):
        raise DomainError(
            "forbidden", _("Only a sales manager or sales operations may reassign leads.")
        )
    if to is None or not colleagues_visible_to(by).filter(pk=to.pk).exists():
        raise DomainError(
            "owner", _("Choose someone you manage."), {"owner_id": _("Not someone you manage.")}
        )
    if lead.deal_id:  # its owner works the deal now: hand over the deal instead
        raise DomainError("converted", _("This lead became a deal: reassign the deal instead."))
    old = lead.owner.username
    versioned_update(lead, by=by, stale=rules.STALE, owner=to, team=to.team)
    events.lead_assigned(lead, by=by, previous=old)
    return lead


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    by: User,
    deal_name: str,
    amount: Decimal | None = None,
    currency: str = "CNY",
    expected_close_date: date | None = None,
) -> Deal:
    """A qualified (A or B) lead becomes a deal: its company and contact are matched by their
    keys or created, the deal starts in the first stage, and the lead points to it."""
    _require_open(lead)
    if lead.status != "qualified" or lead.grade not in ("A", "B"):
        raise DomainError("not_qualified", _("Only a qualified A or B lead converts into a deal."))
    account = (
        Account.objects.filter(normalized_name=lead.company_key).first()
        if lead.company_key
        else None
    )
    if account is None:
        account = account_create(
            by=by,
            owner=lead.owner,
            name=lead.company_name,
            industry=lead.industry,
            region=lead.region,
            employee_band=lead.employee_band,
        )
    elif not Account.objects.seen_by(lead.owner, account.pk):
        with audit_actor(by):  # the company is known: the new deal's owner sees it
            account.shared_with.add(lead.owner)
    contact = None
    if lead.contact_name:
        contact = (
            Contact.objects.filter(account=account)
            .filter(
                **(
                    {"email_normalized": lead.email_normalized}
                    if lead.email_normalized
                    else {"phone_e164": lead.phone_e164}
                    if lead.phone_e164
                    else {"name": lead.contact_name}
                )
            )
            .first()
        )
        if contact is None:
            Contact.objects.create(
                account=account,
                name=lead.contact_name,
                title=lead.title,
                phone=lead.phone,
                phone_e164=lead.phone_e164,
                email=lead.email,
                email_normalized=lead.email_normalized,
                wechat=lead.wechat,
            )
    deal = deal_create(
        by=by,
        account=account,
        name=deal_name,
        amount=amount,
        currency=currency,
        expected_close_date=expected_close_date,
        owner=lead.owner,
    )
    versioned_update(
        lead,
        by=by,
        stale=rules.STALE,
        status="converted",
        account=account,
        deal=deal,
        first_contact_due_at=None,
        followup_due_at=None,
        next_touch_at=None,
    )
    events.lead_converted(lead, by=by)
    return deal
