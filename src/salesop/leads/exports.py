"""Lead exports written in the background, row by row (constant memory), with progress; text
a spreadsheet would run as a formula is neutralised and XLSX files hold no formula cells."""

import csv
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files import File
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from salesop.core.export import safe_cell
from salesop.core.spreadsheets import write_xlsx
from salesop.leads import selectors
from salesop.leads.models import ExportJob, ImportStatus
from salesop.monitor.heartbeat import beating

PROGRESS_EVERY = 2000


def filters_from_query(query: str) -> selectors.LeadFilters:
    params = QueryDict(query)
    number = lambda name: int(params[name]) if params.get(name, "").isdigit() else None  # noqa: E731
    try:
        fit_min = float(params["fit_min"]) if params.get("fit_min") else None
    except ValueError:
        fit_min = None
    return selectors.LeadFilters(
        status=params.get("status", "")[:32],
        grade=params.get("grade", "")[:1],
        channel_id=number("channel"),
        owner_id=number("owner"),
        q=params.get("q", "")[:100],
        fit_min=fit_min,
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
    leads = selectors.leads_visible_to(job.created_by, filters_from_query(job.query)).order_by(
        "-created_at", "-id"
    )
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
            _("Owner"),
            _("Created"),
        ]

    # The worker has no request to activate the reader's zone: times as their pages show them.
    zone = ZoneInfo(job.created_by.timezone or settings.TIME_ZONE)

    def rows():
        for n, lead in enumerate(leads.iterator(chunk_size=PROGRESS_EVERY), start=1):
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
                str(lead.owner),
                timezone.localtime(lead.created_at, zone).strftime("%Y-%m-%d %H:%M"),
            ]
            if n % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job.pk).update(processed_rows=n)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"leads.{job.fmt}"
        if job.fmt == "xlsx":
            write_xlsx(path, header, rows())
        else:
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows([safe_cell(v) for v in row] for row in rows())
        with open(path, "rb") as fh:
            job.file.save(f"leads-{job.pk}.{job.fmt}", File(fh), save=False)
    job.status, job.processed_rows = ImportStatus.DONE, job.total_rows
    job.finished_at = timezone.now()
    job.save()
    return job
