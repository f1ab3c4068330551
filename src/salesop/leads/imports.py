"""Lead import from CSV or XLSX: map columns, preview with a dry run, refuse bad rows with
their row number, column and reason, dedupe against what exists (skip, merge or create), and
commit all-or-nothing or only the valid rows. Rows stream from the file in batches, so a
100,000-row file is never held in memory."""

import csv
import io
import logging
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import Role, User
from salesop.accounts.selectors import colleagues_by_name
from salesop.core.errors import StaleWrite
from salesop.core.imports import (
    KINDS,
    SHOWN_ERRORS,
    ImportKind,
    Outcome,
    RowError,
    all_or_nothing,
    batches,
    cells,
    checkpoint,
    column_of,
    run_import,
)
from salesop.core.money import Currency
from salesop.core.parsing import ParseError, parse_date, parse_decimal
from salesop.core.spreadsheets import NotASpreadsheet, Row, count_rows
from salesop.core.time import company_today, day_in_company_time
from salesop.core.versioned import versioned_update
from salesop.customers.models import EmployeeBand
from salesop.customers.rules import (
    EMPLOYEE_WORDS,
    INDUSTRY_WORDS,
    REGION_WORDS,
    employee_band,
    normalize_company,
    normalize_email,
    normalize_phone,
)
from salesop.leads.events import lead_merged, leads_imported
from salesop.leads.models import (
    Channel,
    ImportJob,
    ImportStatus,
    Lead,
)
from salesop.leads.rules import STALE, budget_problem, first_contact_hours, followup_due
from salesop.monitor.heartbeat import beating
from salesop.playbook.selectors import active_playbook

log = logging.getLogger(__name__)

FIELDS = {
    "company_name": 200,
    "contact_name": 100,
    "title": 100,
    "phone": 40,
    "email": 254,
    "wechat": 64,
    "industry": 100,
    "region": 100,
    "employee_band": 16,
    "notes": 5000,
    "budget": 40,
    "budget_currency": 3,
    "owner": 150,
    "channel": 100,
    "created": 40,
}
REQUIRED = ("company_name",)
# Header words people use, in both languages, for each field.
SYNONYMS = {
    "company_name": ["company", "company name", "公司", "公司名称", "企业", "企业名称", "客户名称"],
    "contact_name": ["contact", "name", "联系人", "姓名", "客户姓名"],
    "title": ["title", "job title", "职位", "职务"],
    "phone": ["phone", "mobile", "tel", "电话", "手机", "手机号", "联系电话"],
    "email": ["email", "e-mail", "邮箱", "电子邮件"],
    "channel": ["channel", "source", "lead source", "渠道", "来源", "线索来源"],
    "created": ["created", "created date", "date", "创建日期", "创建时间", "日期", "录入日期"],
    "wechat": ["wechat", "微信", "微信号"],
    "industry": INDUSTRY_WORDS,
    "region": [*REGION_WORDS, "province", "city", "城市", "区域"],
    "employee_band": EMPLOYEE_WORDS,
    "notes": ["notes", "remark", "备注", "说明"],
    "budget": ["budget", "expected budget", "预算", "预算金额", "采购预算"],
    "budget_currency": ["currency", "budget currency", "币种", "货币"],
    "owner": ["owner", "负责人", "销售"],
}


def _clean(
    row: Row, mapping: dict[str, str], owners: dict[str, User | None], context: "Context"
) -> tuple[dict, list[RowError]]:
    values, errors = cells(row, mapping, FIELDS)
    if not values.get("company_name"):
        errors.append(
            RowError(row.number, column_of(mapping, "company_name"), _("the company is empty"))
        )
    if values.get("email"):
        try:
            validate_email(values["email"])
        except ValidationError:
            errors.append(
                RowError(row.number, column_of(mapping, "email"), _("not an email address"))
            )
    if values.get("phone") and not normalize_phone(values["phone"]):
        errors.append(
            RowError(row.number, column_of(mapping, "phone"), _("not a valid phone number"))
        )
    if values.get("employee_band"):
        band = employee_band(values["employee_band"])
        if band is None:
            errors.append(
                RowError(
                    row.number,
                    column_of(mapping, "employee_band"),
                    _("%(value)r is neither a head count nor one of: %(v)s")
                    % {"value": values["employee_band"], "v": ", ".join(EmployeeBand.values)},
                )
            )
        else:
            values["employee_band"] = band
    errors += budget_problems(row, mapping, values)
    if values.get("channel"):
        # the lead's own source when the file says it; else the channel chosen for the file
        channel = context.channels.get(values["channel"].casefold())
        if channel is None:
            errors.append(
                RowError(
                    row.number,
                    column_of(mapping, "channel"),
                    _("no channel named %(c)r; channels: %(all)s")
                    % {"c": values["channel"], "all": ", ".join(context.channel_names)},
                )
            )
        values["channel"] = channel
    else:
        values.pop("channel", None)
    if values.get("created"):
        column = column_of(mapping, "created")
        try:
            day = parse_date(row.values.get(column), context.date_order)
        except ParseError:
            day = None
            errors.append(
                RowError(
                    row.number,
                    column,
                    _("%(v)r is not a date (use 2024-03-01, 2024/3/1, or declare the day-first "
                      "order)") % {"v": values["created"]},
                )
            )  # fmt: skip
        if day is not None and not FIRST_DAY <= day <= company_today():
            errors.append(RowError(row.number, column, _("a date from 1970-01-01 to today")))
            day = None
        values["created"] = day_in_company_time(day) if day else None
    else:
        values.pop("created", None)
    if "owner" in values:
        name = values.pop("owner")
        if name:
            owner = owners.get(name.casefold())
            if owner is None:
                errors.append(
                    RowError(
                        row.number,
                        column_of(mapping, "owner"),
                        _("no active user named %(u)r") % {"u": name},
                    )
                )
            else:
                values["owner"] = owner
    return values, errors


def budget_problems(row: Row, mapping: dict[str, str], values: dict) -> list[RowError]:
    """Reads the budget cell (1,200,000, 12.5万) into `values` as a Decimal, with its currency
    (CNY unless a column says); each problem a row error at its column."""
    errors = []
    currency = (values.pop("budget_currency", "") or "CNY").upper()
    if "budget" not in values:
        return errors
    column = column_of(mapping, "budget")
    try:
        budget = parse_decimal(row.values.get(column))
    except ParseError:
        errors.append(
            RowError(row.number, column, _("not an amount: %(v)s") % {"v": values["budget"]})
        )
        budget = None
    problem = budget_problem(budget, currency) if budget is not None or currency != "CNY" else None
    if problem:
        at = column if currency in Currency.values else column_of(mapping, "budget_currency")
        errors.append(RowError(row.number, at, problem))
    values["budget"], values["budget_currency"] = budget, currency
    return errors


@dataclass(frozen=True)
class Context:
    """What a lead row is checked against besides itself: the channels by name, the day order
    of its dates."""

    channels: dict[str, Channel]
    date_order: str

    @property
    def channel_names(self) -> list[str]:
        return sorted({channel.name for channel in self.channels.values()})


FIRST_DAY = date(1970, 1, 1)  # the earliest date a row may carry


def _existing(batch_values: list[dict], visible) -> dict[str, Lead]:
    """The open leads the batch's rows duplicate, among those the importer sees, by key:
    "e:" email, "p:" phone, "c:" company name (case, width, punctuation and suffixes such
    as 有限公司 / Co., Ltd. ignored) with the contact's name: the same person at the same
    company, not two people who work there."""
    emails = {normalize_email(v.get("email", "")) for v in batch_values} - {""}
    phones = {normalize_phone(v.get("phone", "")) for v in batch_values} - {""}
    companies = {normalize_company(v.get("company_name", "")) for v in batch_values} - {""}
    found = visible.filter(
        Q(email_normalized__in=emails) | Q(phone_e164__in=phones) | Q(company_key__in=companies)
    ).exclude(status__in=("disqualified", "converted"))
    by_key: dict[str, Lead] = {}
    for lead in found.order_by("pk"):
        keys = _keys(lead.email_normalized, lead.phone_e164, lead.company_key, lead.contact_name)
        for key in keys:
            by_key.setdefault(key, lead)
    return by_key


def _keys(email: str, phone: str, company: str, contact: str) -> list[str]:
    """A row's or a lead's dedupe keys, strongest first."""
    person = "".join(unicodedata.normalize("NFKC", contact or "").casefold().split())
    return [
        f"{kind}:{value}"
        for kind, value in (("e", email), ("p", phone), ("c", company and f"{company}|{person}"))
        if value
    ]


def _merge(lead: Lead, filled: dict, job: ImportJob) -> bool:
    """Fills the lead's empty fields from the file: a versioned write (what someone typed into
    the lead since the import read it is kept: the file fills only what is still empty),
    audited, and a "merged" event on the lead's history. False when nothing was merged
    (someone filled the fields meanwhile, or kept changing the lead)."""
    for _attempt in range(3):
        filled = {name: value for name, value in filled.items() if not getattr(lead, name)}
        if not filled:
            return False
        email, phone = filled.get("email", lead.email), filled.get("phone", lead.phone)
        keys = {"email_normalized": normalize_email(email), "phone_e164": normalize_phone(phone)}
        try:
            with transaction.atomic():
                versioned_update(lead, by=job.created_by, stale=STALE, **filled, **keys)
        except StaleWrite:
            lead.refresh_from_db()
            continue
        lead_merged(lead, by=job.created_by, job_id=job.pk)
        return True
    return False


def run_leads(job: ImportJob, rows: Iterator[Row], progress=None) -> Outcome:
    """Imports the rows as leads, a batch at a time. Dry run: validates and counts, writes
    nothing."""
    playbook = active_playbook()
    # Owners named in the file, and the leads it may duplicate, only among what the importer
    # sees: a rep cannot give leads to another team, nor learn that it holds a phone number.
    owners = colleagues_by_name(job.created_by)
    context = Context(
        channels={c.name.casefold(): c for c in Channel.objects.filter(is_active=True)},
        date_order=job.date_order,
    )
    visible = Lead.objects.visible_to(job.created_by)
    outcome = Outcome.so_far(job)
    now = timezone.now()
    first_due = now + timedelta(hours=first_contact_hours(playbook))
    follow_due = followup_due(playbook, now)
    seen_keys: set[str] = set()

    def process() -> None:
        for batch in batches(rows):
            with checkpoint(job, outcome, batch, progress):
                import_batch(batch)

    def import_batch(batch: list[Row]) -> None:
        cleaned = [(row, *_clean(row, job.mapping, owners, context)) for row in batch]
        existing = _existing([v for _r, v, errs in cleaned if not errs], visible)
        creates, merges = [], {}
        for row, values, errors in cleaned:
            if errors:
                outcome.errors.extend(errors)
                continue
            # the lead's history, not fields a merge fills
            channel = values.pop("channel", None) or job.channel
            created = values.pop("created", None)
            email, phone = (
                normalize_email(values.get("email", "")),
                normalize_phone(values.get("phone", "")),
            )
            keys = _keys(
                email,
                phone,
                normalize_company(values.get("company_name", "")),
                values.get("contact_name", ""),
            )
            twin = next((existing[key] for key in keys if key in existing), None)
            in_file = any(key in seen_keys for key in keys)
            seen_keys.update(keys)
            # merging, a row repeating an earlier row of the file (and nobody already
            # here) is skipped too: it came in twice
            if (
                (twin or in_file)
                and job.dedupe == "skip"
                or (in_file and not twin and job.dedupe == "merge")
            ):
                outcome.skipped += 1
                continue
            if twin and job.dedupe == "merge":
                # what the file adds to the lead: only the fields it has empty
                _twin, filled, by_row = merges.setdefault(twin.pk, (twin, {}, []))
                by_row.append(row)
                for name, value in values.items():
                    if name != "owner" and value and not getattr(twin, name):
                        filled.setdefault(name, value)
                if "budget" in filled:  # in the file's currency, not the lead's default
                    filled["budget_currency"] = values["budget_currency"]
                continue
            owner = values.pop("owner", None) or job.created_by
            lead = Lead(
                channel=channel,
                owner=owner,
                team=owner.team,
                status="new",
                created_at=created or now,
                first_contact_due_at=first_due,
                followup_due_at=follow_due,
                **values,
            )
            lead.company_key = normalize_company(lead.company_name)
            lead.email_normalized, lead.phone_e164 = email, phone
            creates.append(lead)
            if len(outcome.preview) < 20:
                outcome.preview.append(
                    {
                        **values,
                        "budget": "" if lead.budget is None else str(lead.budget),
                        "owner": owner.username,
                        "channel": channel.name,
                        **({"created": f"{created:%Y-%m-%d}"} if created else {}),
                    }
                )
        if not job.dry_run:
            made = Lead.objects.bulk_create(creates)
            leads_imported(made, by=job.created_by, job_id=job.pk)
        outcome.created += len(creates)
        # each row counted: merged when it filled the lead in (a dry run: would have), else
        # skipped (the same file merged again counted its rows nowhere)
        for twin, filled, by_row in merges.values():
            changed = bool(filled) if job.dry_run else _merge(twin, filled, job)
            if changed:
                outcome.merged += len(by_row)
            else:
                outcome.skipped += len(by_row)

    return all_or_nothing(job, outcome, process)


def may_import_leads(user) -> bool:
    """Leads are imported by those who will work them: reps (their own), managers and directors
    (their team's), sales operations; legal or finance owning a pool of leads serves nobody."""
    selling = {Role.REP, Role.MANAGER, Role.DIRECTOR}
    return user.can_administer or bool(selling & set(user.roles))


KINDS["leads"] = ImportKind(
    label=gettext_lazy("Leads"),
    fields=FIELDS,
    required=REQUIRED,
    synonyms=SYNONYMS,
    run=run_leads,
    allowed=may_import_leads,
)


def import_execute(job: ImportJob, progress=None) -> ImportJob:
    """Runs the job and records its outcome and error report on it; beats while it runs, so
    a run whose worker dies is failed by the sweep (import_fail)."""
    with beating("leads.import", job):
        return _execute(job, progress)


def import_language(job: ImportJob) -> str:
    """What the job's messages, row errors and error report are written in when no one is
    watching it run (the worker): its starter's language (they were in the company's)."""
    return job.created_by.language or settings.LANGUAGE_CODE


def import_fail(*, job: ImportJob, reason: str) -> None:
    """Fails a run that stopped before it finished (queued or running only), saying what it
    left behind; its page and `salesop import resume` can run it again from there. Never run
    again by itself: the job's creator decides."""
    job.refresh_from_db(fields=["committed_row", "created_count", "merged_count"])
    with translation.override(import_language(job)):
        left_behind = _left_behind(job)
    ImportJob.objects.filter(
        pk=job.pk, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    ).update(
        status=ImportStatus.FAILED,
        interrupted=True,
        message=" ".join((reason, left_behind))[:500],
        finished_at=timezone.now(),
    )


def _left_behind(job: ImportJob) -> str:
    if job.dry_run:
        return _("Nothing was written; preview it again.")
    if job.all_or_nothing:
        return _("Nothing was imported; start it again.")
    if not job.committed_row:
        return _("No row was imported yet; resume it to import the file.")
    return _(
        "The rows up to row %(n)d were imported (%(created)d created, %(merged)d merged); "
        "resume it to import the rest: no row is imported twice."
    ) % {"n": job.committed_row, "created": job.created_count, "merged": job.merged_count}


def _execute(job: ImportJob, progress=None) -> ImportJob:
    job.status = ImportStatus.RUNNING
    try:
        job.total_rows = count_rows(Path(job.file.path))
    except (NotASpreadsheet, OSError):
        job.total_rows = 0  # the run below says what is wrong with the file
    job.save(update_fields=["status", "total_rows"])
    try:
        outcome = run_import(job, progress)
    except NotASpreadsheet as exc:
        # the file itself is wrong: running it again would stop at the same place
        message = str(exc)
        if job.committed_row:
            message += " " + _(
                "The rows up to row %(n)d were imported (%(created)d created, %(merged)d merged)."
            ) % {"n": job.committed_row, "created": job.created_count, "merged": job.merged_count}
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, message=message[:500], finished_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    except Exception as exc:
        # An error nobody foresaw (a full disk, a defect): the job ends failed saying it, with
        # the rows written so far counted, and can be resumed; the log keeps the traceback.
        log.exception("import %s stopped by an error", job.pk)
        error = f"{type(exc).__name__}: {exc}"[:300]
        import_fail(
            job=job, reason=_("Failed: an error stopped it (%(error)s).") % {"error": error}
        )
        job.refresh_from_db()
        return job
    job.created_count, job.merged_count = outcome.created, outcome.merged
    job.skipped_count, job.error_count = outcome.skipped, outcome.error_rows
    errors = outcome.all_errors
    job.errors = [e.__dict__ for e in errors[:SHOWN_ERRORS]]
    if errors:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("row"), _("column"), _("reason")])
        writer.writerows([e.row, e.column, e.reason] for e in errors)
        kept = len({e.row for e in outcome.earlier_errors})
        if kept < outcome.earlier_error_rows:
            writer.writerow(
                [
                    "",
                    "",
                    _(
                        "%(n)d more row(s) with errors before row %(row)d: the run that stopped "
                        "there kept the first %(kept)d errors only."
                    )
                    % {
                        "n": outcome.earlier_error_rows - kept,
                        "row": job.committed_row,
                        "kept": SHOWN_ERRORS,
                    },
                ]
            )
        job.error_report.save(
            f"import-{job.pk}-errors.csv",
            ContentFile(("\ufeff" + buffer.getvalue()).encode()),
            save=False,
        )
    failed = job.all_or_nothing and errors and not job.dry_run
    job.status = ImportStatus.FAILED if failed else ImportStatus.DONE
    job.message = (
        _("Nothing was imported: %(n)d row(s) have errors and the import was all-or-nothing.")
        % {"n": outcome.error_rows}
        if failed
        else ""
    )
    job.preview = outcome.preview
    job.finished_at = timezone.now()
    job.save()
    return job
