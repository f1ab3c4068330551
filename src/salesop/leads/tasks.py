from huey.contrib.djhuey import db_task

from salesop.leads.exports import export_execute
from salesop.leads.imports import import_execute
from salesop.leads.models import ExportJob, ImportJob, ImportStatus


@db_task()
def run_import_job(job_id: int) -> None:
    """Runs a queued import. Not retried: a half-run valid-rows import must not run again;
    all-or-nothing imports leave nothing behind when they fail."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).first()
    if job is not None:
        import_execute(job)


@db_task()
def run_export_job(job_id: int) -> None:
    job = ExportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).first()
    if job is not None:
        export_execute(job)
