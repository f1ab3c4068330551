from django.db import transaction
from django.utils import translation
from huey.contrib.djhuey import db_task

from salesop.leads.exports import export_execute, export_fail
from salesop.leads.imports import import_execute, import_fail, import_language
from salesop.leads.models import ExportJob, ImportJob, ImportStatus
from salesop.monitor.heartbeat import JobKind, job_kind


@db_task()
def run_import_job(job_id: int) -> None:
    """Runs a queued import. Not retried: a half-run valid-rows import must not run again;
    all-or-nothing imports leave nothing behind when they fail."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).first()
    if job is not None:
        with translation.override(import_language(job)):
            import_execute(job)


@db_task()
def run_export_job(job_id: int) -> None:
    job = ExportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).first()
    if job is not None:
        export_execute(job)


def export_requeue(*, job: ExportJob) -> None:
    """An export whose worker died is written again from the start: it only reads."""
    if ExportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.QUEUED, processed_rows=0
    ):
        transaction.on_commit(lambda: run_export_job(job.pk))


job_kind(JobKind(name="leads.import", model=ImportJob, fail=import_fail))
job_kind(JobKind(name="leads.export", model=ExportJob, fail=export_fail, requeue=export_requeue))
