"""The import and export jobs of the leads app (every import kind's job lives here): a file
uploaded with its mapping guessed or remembered, started after its mapping and options are
checked, resumed after a stop, and an export of the leads someone sees."""

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.errors import DomainError
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
from salesop.leads import rules
from salesop.leads.models import Channel, ExportJob, ImportJob, ImportStatus, SavedMapping
from salesop.leads.tasks import run_export_job, run_import_job


def _signature(header: list[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(header)).encode()).hexdigest()


def mapping_remember(*, by: User, kind: str, header: list[str], mapping: dict[str, str]) -> None:
    """Keeps the mapping for the person's next file with the same columns."""
    SavedMapping.objects.update_or_create(
        user=by,
        kind=kind,
        signature=_signature(header),
        defaults={"mapping": mapping, "updated_at": timezone.now()},
    )


def _require_import(by: User, kind: str) -> None:
    if not rules.may_import(by, kind):
        raise DomainError(
            "forbidden",
            _("Your role does not import %(what)s; ask sales operations.")
            % {"what": IMPORT_KINDS[kind].label},
            {"kind": _("Choose a kind of file your role imports.")},
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
    if rows == 0:  # it ran, "done, created 0", saying nothing
        job.file.delete(save=False)
        message = _("The file has its header row but no rows below it: nothing to import.")
        raise DomainError("empty", message, {"file": message})
    if rows > settings.IMPORT_MAX_ROWS:
        job.file.delete(save=False)
        message = too_many_rows(settings.IMPORT_MAX_ROWS, rows)
        raise DomainError("too_many_rows", message, {"file": message})
    job.columns = header
    saved = SavedMapping.objects.filter(user=by, kind=kind, signature=_signature(header)).first()
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
    if not dry_run:  # a dry run writes nothing, a remembered mapping included
        mapping_remember(by=by, kind=job.kind, header=header, mapping=job.mapping)
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
