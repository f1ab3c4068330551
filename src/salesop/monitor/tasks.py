"""Periodic jobs run by the huey consumer (`salesop worker`, or the one `salesop serve` starts).
A job that raises is retried; every job gets its correctness from database state, so running it
twice (or on two machines) has the effect of once."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from salesop.monitor import jobs, services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"), retries=2, retry_delay=20)
def alert_sweep():
    report = services.sweep()
    if report.opened or report.escalated:
        send_notifications()  # enqueued: the sweep never waits on a receiver
    return report.opened


@db_task(retries=2, retry_delay=30)
def send_notifications():
    return services.deliver_due_webhooks() + services.send_due_emails()


@db_periodic_task(crontab(minute="*"), retries=1, retry_delay=30)
def send_due_notifications():
    """Catches retries whose backoff ended and emails held back by quiet hours."""
    return services.deliver_due_webhooks() + services.send_due_emails()


@db_periodic_task(crontab(minute="5"), retries=2, retry_delay=60)
def daily_digest():
    return services.send_daily_digests()


def _run_all(registry: dict) -> None:
    for name, job in registry.items():
        try:
            job()
        except Exception:
            log.exception("scheduled job %s failed", name)
            raise


@db_periodic_task(crontab(hour="18", minute="30"), retries=2, retry_delay=300)
def nightly():
    """02:30 in Shanghai: daily aggregates, model training."""
    _run_all(jobs.NIGHTLY)


@db_periodic_task(crontab(day="1", hour="17", minute="0"), retries=2, retry_delay=600)
def monthly():
    """01:00 in Shanghai on the 2nd (the month before is complete): the SOP review."""
    _run_all(jobs.MONTHLY)
