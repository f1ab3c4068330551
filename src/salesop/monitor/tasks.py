"""Periodic jobs run by the huey consumer (`salesop worker`, or the one `salesop serve` starts).
A job that raises is retried; every job gets its correctness from database state, so running it
twice (or on two machines) has the effect of once."""

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from salesop.core.time import at_company_time, company_today
from salesop.monitor import heartbeat, jobs, liveness, sending, services
from salesop.monitor.models import ScheduledRun, ScheduledRunStatus

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"), retries=2, retry_delay=20)
def alert_sweep():
    """Also enqueued once when a worker starts (`salesop worker`), so a restarted worker
    catches up at once rather than at the next minute."""
    now = timezone.now()
    stopped = heartbeat.reap(now)
    report = services.sweep(now)
    liveness.sweep_recorded()  # only a sweep that got this far counts as the worker's pulse
    if report.opened or report.escalated:
        send_notifications()  # enqueued: the sweep never waits on a receiver
    return report.opened + stopped.retried + stopped.failed


@db_task(retries=2, retry_delay=30)
def send_notifications():
    return sending.send_due_notifications().sent


@db_periodic_task(crontab(minute="*"), retries=1, retry_delay=30)
def send_due_notifications():
    """Catches retries whose backoff ended (webhooks, emails, digests) and emails held back by
    quiet hours."""
    return sending.send_due_notifications().sent


@db_periodic_task(crontab(minute="5"), retries=2, retry_delay=60)
def daily_digest():
    return sending.send_daily_digests().sent


SCHEDULES = {"nightly": jobs.NIGHTLY, "monthly": jobs.MONTHLY}


def scheduled_execute(run: ScheduledRun) -> None:
    """Runs every job of the run's schedule, beating meanwhile. Every worker's scheduler
    enqueues the periodic tasks, so the run is claimed first (a conditional UPDATE): one worker
    runs it; a finished one is not run again; a failed or requeued one is."""
    claimed = ScheduledRun.objects.filter(
        pk=run.pk, status__in=(ScheduledRunStatus.QUEUED, ScheduledRunStatus.FAILED)
    ).update(status=ScheduledRunStatus.RUNNING, started_at=timezone.now(), message="")
    if not claimed:
        return
    with heartbeat.beating("monitor.scheduled", run):
        for name, job in SCHEDULES[run.schedule].items():
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed", name)
                raise
        ScheduledRun.objects.filter(pk=run.pk).update(
            status=ScheduledRunStatus.DONE, finished_at=timezone.now()
        )


def _start(schedule: str, period: date) -> None:
    run, _created = ScheduledRun.objects.get_or_create(schedule=schedule, period=period)
    scheduled_execute(run)


@db_periodic_task(at_company_time(hour=2, minute=30), retries=2, retry_delay=300)
def nightly():
    """02:30 on the company's clock: daily aggregates, model training."""
    _start("nightly", company_today())


@db_periodic_task(at_company_time(day=2, hour=1, minute=0), retries=2, retry_delay=600)
def monthly():
    """01:00 on the 2nd on the company's clock (the month before is complete): the SOP
    review."""
    _start("monthly", company_today().replace(day=1))


@db_task()
def scheduled_again(run_id: int) -> None:
    run = ScheduledRun.objects.filter(pk=run_id, status=ScheduledRunStatus.QUEUED).first()
    if run is not None:
        scheduled_execute(run)


def scheduled_requeue(*, job: ScheduledRun) -> None:
    """Each job of a schedule is safe to run twice (jobs.py): a run whose worker died starts
    over."""
    if ScheduledRun.objects.filter(pk=job.pk, status=ScheduledRunStatus.RUNNING).update(
        status=ScheduledRunStatus.QUEUED
    ):
        transaction.on_commit(lambda: scheduled_again(job.pk))


def scheduled_fail(*, job: ScheduledRun, reason: str) -> None:
    ScheduledRun.objects.filter(
        pk=job.pk, status__in=(ScheduledRunStatus.QUEUED, ScheduledRunStatus.RUNNING)
    ).update(
        status=ScheduledRunStatus.FAILED,
        message=reason[:500],
        finished_at=timezone.now(),
    )


heartbeat.job_kind(
    heartbeat.JobKind(
        name="monitor.scheduled",
        model=ScheduledRun,
        fail=scheduled_fail,
        requeue=scheduled_requeue,
        owner=None,
    )
)
