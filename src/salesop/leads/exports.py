"""Lead exports written in the background, row by row (constant memory), with progress; text
a spreadsheet would run as a formula is neutralised and XLSX files hold no formula cells."""

import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from salesop.core.batches import batches
from salesop.core.errors import DomainError
from salesop.core.params import parse_id
from salesop.core.spreadsheets import write_csv, write_xlsx
from salesop.leads import selectors
from salesop.leads.models import ExportJob, ImportStatus
from salesop.monitor.heartbeat import beating
from salesop.playbook import customfields
from salesop.playbook.customfields import custom_filters
from salesop.playbook.models import FieldModel

PROGRESS_EVERY = 2000
ORDERING = ("-created_at", "-id")  # the list's order, newest first (index lead_recent)


def filters_from_query(query: str) -> selectors.LeadFilters:
    params = QueryDict(query)
    try:
        fit_min = float(params["fit_min"]) if params.get("fit_min") else None
    except ValueError:
        fit_min = None
    return selectors.LeadFilters(
        status=params.get("status", "")[:32],
        grade=params.get("grade", "")[:1],
        channel_id=parse_id(params.get("channel")),
        owner_id=parse_id(params.get("owner")),
        q=params.get("q", "")[:100],
        fit_min=fit_min,
        custom=custom_filters(params),
    )


def export_execute(job: ExportJob) -> ExportJob:
    """Writes the file; beats while it runs, so a run whose worker dies is written again by
    the sweep (export_requeue), up to three times, then failed (export_fail)."""
    with beating("leads.export", job):
        return _execute(job)


def export_fail(*, job: ExportJob, reason: str) -> None:
    ExportJob.objects.filter(
        pk=job.pk, status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    ).update(
        status=ImportStatus.FAILED,
        message=" ".join((reason, _("Export again.")))[:500],
        finished_at=timezone.now(),
    )


def _execute(job: ExportJob) -> ExportJob:
    try:
        leads = selectors.leads_visible_to(job.created_by, filters_from_query(job.query))
    except DomainError as refused:  # a custom field's filter its type refuses
        export_fail(job=job, reason=str(refused.message))
        return job
    fields = customfields.definitions(FieldModel.LEAD)
    people = customfields.people_named(fields)
    job.status, job.total_rows = ImportStatus.RUNNING, leads.count()
    job.save(update_fields=["status", "total_rows"])
    with override(job.created_by.language or None):
        header = [
            _("ID"),
            _("Company"),
            _("Contact"),
            _("Job title"),
            _("Phone"),
            _("Email"),
            _("Channel"),
            _("Status"),
            _("Grade"),
            _("Score"),
            _("ICP fit"),
            _("Budget"),
            _("Currency"),
            _("Owner"),
            _("Created"),
            *(field.label for field in fields),
        ]
    written = 0

    # The worker has no request to activate the reader's zone: times as their pages show them.
    zone = ZoneInfo(job.created_by.timezone or settings.TIME_ZONE)

    def rows():
        nonlocal written
        # Read a batch, write it, then say how far: no read is open while progress is
        # written (core.batches says why that matters on SQLite).
        for batch in batches(leads, ordering=ORDERING, size=PROGRESS_EVERY):
            for lead in batch:
                yield [
                    lead.pk,
                    lead.company_name,
                    lead.contact_name,
                    lead.title,
                    lead.phone,
                    lead.email,
                    lead.channel.name,
                    lead.status,
                    lead.grade,
                    lead.score,
                    lead.icp_fit,
                    lead.budget,
                    lead.budget_currency if lead.budget is not None else "",
                    str(lead.owner),
                    timezone.localtime(lead.created_at, zone).strftime("%Y-%m-%d %H:%M"),
                    *(
                        customfields.as_text(f, v, people)
                        for f, v in customfields.values_of(lead, fields)
                    ),
                ]
            written += len(batch)
            ExportJob.objects.filter(pk=job.pk).update(processed_rows=written)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"leads.{job.fmt}"
        if job.fmt == "xlsx":
            write_xlsx(path, header, rows())
        else:
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                write_csv(fh, header, rows())
        with open(path, "rb") as fh:
            job.file.save(f"leads-{job.pk}.{job.fmt}", File(fh), save=False)
    # The file holds the leads visible as each batch was read: say that many, not the count
    # taken before the first.
    job.status, job.processed_rows, job.total_rows = ImportStatus.DONE, written, written
    job.finished_at = timezone.now()
    job.save()
    return job
