"""Every write to leads: creation from any path, qualification (BANT), the first
contact that must come before it, disqualification, nurture, conversion to a deal, assignment."""

import copy
import hashlib
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.accounts.models import Role, Team, User
from salesop.accounts.selectors import colleagues_visible_to
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.core.imports import KINDS as IMPORT_KINDS
from salesop.core.imports import (
    check_mapping,
    check_value_map,
    guess_mapping,
    mapping_over,
    resumes_midway,
    too_many_rows,
)
from salesop.core.spreadsheets import NotASpreadsheet, count_rows, read_rows
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
    ExportJob,
    ImportJob,
    ImportStatus,
    Lead,
    SavedMapping,
)
from salesop.leads.prediction import predict
from salesop.leads.selectors import find_duplicates
from salesop.leads.tasks import run_export_job, run_import_job
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


def _check_fields(values: dict) -> dict:
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(unknown)},
            {name: _("This field cannot be set.") for name in unknown},
        )
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
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
    AssignmentCursor.objects.get_or_create(scope=scope)
    # Its own transaction when called on its own (lead_create does): the pool's cursor row is
    # locked only while it moves, not while the lead is written, so intakes run side by side.
    with transaction.atomic():
        cursor = AssignmentCursor.objects.select_for_update().get(scope=scope)
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
    account = (
        Account.objects.filter(normalized_name=lead.company_key).first()
        if lead.company_key
        else None
    )
    lead.account = account
    lead.first_contact_due_at = now + timedelta(hours=rules.first_contact_hours(playbook))
    lead.followup_due_at = rules.followup_due(playbook, now)
    full_clean_or_refuse(lead, exclude=["owner", "team", "channel", "account", "deal"])
    lead.icp_fit = lead_fit(lead)
    with audit_actor(by):
        lead.save()
    events.lead_created(lead, by=by)
    events.lead_assigned(lead, by=by)
    return lead


def _require_open(lead: Lead) -> None:
    if lead.status not in OPEN_STATUSES:
        raise DomainError("lead_closed", _("This lead is closed (converted or disqualified)."))


@transaction.atomic
def lead_update(*, lead: Lead, by: User, **values) -> Lead:
    """Edits the lead's fields: only what the edit changes is written, onto the lead as it is
    now (a status or grade set meanwhile by another request stays)."""
    values = _check_fields(values)
    if "company_name" in values and not values["company_name"]:
        raise DomainError(
            "required", _("The company is required."), {"company_name": _("Required.")}
        )
    hold(Lead, lead.pk)
    lead.refresh_from_db()
    draft = copy.copy(lead)  # checked as it will be; the lead itself changes once written
    for name, value in values.items():
        setattr(draft, name, value)
    _keys(draft)
    if problem := rules.budget_problem(draft.budget, draft.budget_currency):
        raise DomainError("budget", problem, {"budget": problem})  # the currency now its own
    if {"email", "phone"} & set(values):
        _refuse_duplicate(draft, exclude=lead.pk)
    full_clean_or_refuse(draft, exclude=["owner", "team", "channel", "account", "deal"])
    keys = ("company_key", "email_normalized", "phone_e164")
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
    elif not Account.objects.visible_to(lead.owner).filter(pk=account.pk).exists():
        account.shared_with.add(lead.owner)  # the company is known: the new deal's owner sees it
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


# Imports ----------------------------------------------------------------------------------


def _signature(header: list[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(header)).encode()).hexdigest()


def mapping_remember(*, kind: str, header: list[str], mapping: dict[str, str]) -> None:
    """Keeps the mapping for the next file with the same columns."""
    SavedMapping.objects.update_or_create(
        kind=kind,
        signature=_signature(header),
        defaults={"mapping": mapping, "updated_at": timezone.now()},
    )


def _require_import(by: User, kind: str) -> None:
    if not rules.may_import(by, kind):
        raise DomainError(
            "forbidden",
            _("Only sales operations import %(what)s.") % {"what": IMPORT_KINDS[kind].label},
            {"kind": _("Choose leads or companies.")},
        )


def import_upload(*, by: User, upload, channel: Channel | None, kind: str = "leads") -> ImportJob:
    """Stores an uploaded spreadsheet as a pending import with a guessed column mapping."""
    if upload is None:  # an API call without its file (or an empty one)
        raise DomainError("file", _("Choose the file to import."), {"file": _("Required.")})
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise DomainError(
            "too_large",
            _("The file is %(size)d MB; the limit is %(limit)d MB. Split it and import the parts.")
            % {"size": upload.size // 2**20, "limit": settings.IMPORT_MAX_BYTES // 2**20},
            {"file": _("File too large.")},
        )
    if kind not in IMPORT_KINDS:
        raise DomainError("kind", _("Unknown import: %(k)s.") % {"k": kind})
    _require_import(by, kind)
    if kind == "leads" and channel is None:
        raise DomainError(
            "channel", _("Choose the channel the leads came from."), {"channel": _("Required.")}
        )
    job = ImportJob(created_by=by, channel=channel, kind=kind, original_name=upload.name[:200])
    job.file.save(f"{secrets.token_hex(8)}-{Path(upload.name).name[-80:]}", upload, save=False)
    try:
        header, _rows = read_rows(Path(job.file.path))
        rows = count_rows(Path(job.file.path))
    except NotASpreadsheet as exc:
        job.file.delete(save=False)
        raise DomainError("not_spreadsheet", str(exc), {"file": str(exc)}) from None
    if rows > settings.IMPORT_MAX_ROWS:
        job.file.delete(save=False)
        message = too_many_rows(settings.IMPORT_MAX_ROWS, rows)
        raise DomainError("too_many_rows", message, {"file": message})
    job.columns = header
    saved = SavedMapping.objects.filter(kind=kind, signature=_signature(header)).first()
    job.mapping = saved.mapping if saved else guess_mapping(header, kind)
    job.save()
    return job


# What a run that starts from the file's first row starts from.
_FROM_THE_FIRST_ROW = {
    "processed_rows": 0,
    "committed_row": 0,
    "created_count": 0,
    "merged_count": 0,
    "skipped_count": 0,
    "error_count": 0,
    "errors": [],
    "preview": [],
}


def import_start(
    *,
    job: ImportJob,
    by: User,
    mapping: dict[str, str],
    dedupe: str,
    all_or_nothing: bool,
    dry_run: bool,
    date_order: str = "ymd",
    create_owners: bool = False,
    value_map: dict[str, dict[str, str]] | None = None,
) -> ImportJob:
    """Checks the mapping and options, then queues the job (progress shows on its page).
    `value_map` says which of our values a file's value stands for, per field ({"stage":
    {"Prospecting": "discovery"}}); a value left empty is not mapped."""
    _require_import(by, job.kind)
    if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        raise DomainError("running", _("This import is already running."))
    if job.resumable and job.committed_row:
        raise DomainError(
            "resume",
            _(
                "This import stopped after importing the rows up to row %(n)d: resume it "
                "(started again, it would import those rows twice)."
            )
            % {"n": job.committed_row},
        )
    header, _rows = read_rows(Path(job.file.path))
    problems = check_mapping(header, {c: f for c, f in mapping.items() if f}, job.kind)
    if problems:
        raise DomainError(
            "mapping",
            _("The column mapping needs fixing: %(p)s.") % {"p": "; ".join(problems)},
            {"mapping": "; ".join(problems)},
        )
    value_map = {
        field: {theirs: ours for theirs, ours in pairs.items() if ours}
        for field, pairs in (value_map or {}).items()
    }
    problems = check_value_map(value_map, job.kind)
    if problems:
        raise DomainError(
            "value_map",
            _("The value mapping needs fixing: %(p)s.") % {"p": "; ".join(problems)},
            {"value_map": "; ".join(problems)},
        )
    if dedupe not in ("skip", "merge", "create"):
        raise DomainError("dedupe", _("Choose skip, merge or create for duplicates."))
    ImportJob.objects.filter(pk=job.pk).update(
        mapping={c: f for c, f in mapping.items() if f},
        value_map=value_map,
        dedupe=dedupe,
        all_or_nothing=all_or_nothing,
        date_order=date_order if date_order in ("ymd", "dmy", "mdy") else "ymd",
        create_owners=create_owners,
        dry_run=dry_run,
        status=ImportStatus.QUEUED,
        interrupted=False,
        message="",
        finished_at=None,
        **_FROM_THE_FIRST_ROW,
    )
    job.refresh_from_db()
    mapping_remember(kind=job.kind, header=header, mapping=job.mapping)
    transaction.on_commit(lambda: run_import_job(job.pk))
    return job


def import_create(
    *,
    by: User,
    upload,
    kind: str,
    channel: Channel | None,
    mapping: dict[str, str],
    value_map: dict[str, dict[str, str]],
    dedupe: str,
    all_or_nothing: bool,
    dry_run: bool,
    date_order: str,
    create_owners: bool,
) -> ImportJob:
    """Uploads and starts an import in one step (the API; the page asks for the mapping in
    between): the mapping guessed from the header, or remembered for it, with `mapping`'s
    pairs over it. A refusal of the mapping or an option leaves no job behind."""
    job = import_upload(by=by, upload=upload, channel=channel, kind=kind)
    try:
        return import_start(
            job=job,
            by=by,
            mapping=mapping_over(job.mapping, mapping),
            value_map=value_map,
            dedupe=dedupe,
            all_or_nothing=all_or_nothing,
            dry_run=dry_run,
            date_order=date_order,
            create_owners=create_owners,
        )
    except DomainError:
        job.file.delete(save=False)
        job.delete()
        raise


def import_resume(*, job: ImportJob, by: User, queue: bool = True) -> ImportJob:
    """Runs again an import that stopped before its end (its worker died, or an error stopped
    it): a valid-rows import continues after the last row it committed, with its counts, so
    no row is written twice; an all-or-nothing import or a dry run, which left nothing, runs
    from the first row. Claimed by a conditional update: two resumes at once run it once.
    `queue=False`: the caller runs it (the command line, showing its progress)."""
    if not rules.may_resume_import(by, job):
        raise DomainError(
            "forbidden", _("Only who started this import, or sales operations, may resume it.")
        )
    _require_import(by, job.kind)
    again = {} if resumes_midway(job) else _FROM_THE_FIRST_ROW
    claimed = ImportJob.objects.filter(
        pk=job.pk, status=ImportStatus.FAILED, interrupted=True
    ).update(status=ImportStatus.QUEUED, interrupted=False, message="", finished_at=None, **again)
    if not claimed:
        job.refresh_from_db()
        raise DomainError(
            "not_resumable",
            _(
                "Only an import that stopped before its end (its worker stopped, or an error "
                "stopped it) can be resumed; this one is %(status)s."
            )
            % {"status": job.get_status_display()},
        )
    job.refresh_from_db()
    if queue:
        transaction.on_commit(lambda: run_import_job(job.pk))
    return job


@transaction.atomic
def export_start(*, by: User, fmt: str, query: str) -> ExportJob:
    """Queues an export of the leads `by` can see, filtered like the list (`query`)."""
    if fmt not in ("csv", "xlsx"):
        raise DomainError("format", _("Export as csv or xlsx."), {"fmt": _("Unknown format.")})
    # one at a time per person: each reads every lead they may see
    running = (
        ExportJob.objects.select_for_update()
        .filter(created_by=by, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING))
        .first()
    )
    if running is not None:
        raise DomainError(
            "export_running",
            _(
                "Your export %(n)d is still running: download it when it is done, then start "
                "another."
            )
            % {"n": running.pk},
        )
    job = ExportJob.objects.create(created_by=by, fmt=fmt, query=query[:2000])
    transaction.on_commit(lambda: run_export_job(job.pk))
    return job
