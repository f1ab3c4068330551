"""Jobs carry a heartbeat while they run; the sweep finds a run whose worker died and runs it
again (exports, training, the nightly and monthly work: safe twice) or fails it with a reason
its page shows (imports), instead of a progress bar that never ends. The state a dead worker
leaves behind is built as it leaves it: the job running, its heartbeat naming a process that
is gone (a real one, started and ended here) on this machine, or an old beat from another."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from salesop.core.testing import make_channel, make_lead
from salesop.customers.models import TrainingRun
from salesop.insights.models import AggregateRun, MonthlyReview
from salesop.leads.jobs import export_start, import_upload
from salesop.leads.models import ExportJob, ImportJob, Lead
from salesop.leads.tasks import run_import_job
from salesop.monitor import heartbeat
from salesop.monitor.models import Heartbeat, ScheduledRun
from salesop.monitor.tasks import nightly

pytestmark = pytest.mark.django_db

CSV = "公司名称,联系人,手机\r\n嘉兴恒通冷链物流有限公司,周经理,13805710001\r\n".encode()


def ended_process() -> int:
    """The pid of a process that has run and ended: what a killed worker leaves."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def left_running(kind: str, job, *, pid: int | None = None, machine=None, ago=0, attempts=1):
    """The heartbeat row a run leaves when its worker dies: this machine's unless told."""
    here, own_pid, started = heartbeat._this_process()
    return Heartbeat.objects.create(
        kind=kind,
        object_id=job.pk,
        attempts=attempts,
        beat_at=timezone.now() - timedelta(seconds=ago),
        machine=here if machine is None else machine,
        pid=pid or own_pid,
        pid_started=started if pid is None else None,
    )


def running_import(org, **fields) -> ImportJob:
    org.rep.language = "en"
    org.rep.save()
    job = import_upload(by=org.rep, upload=SimpleUploadedFile("l.csv", CSV), channel=make_channel())
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=5000, **fields)
    job.refresh_from_db()
    return job


def test_an_import_whose_worker_died_fails_saying_so_on_its_page(org, client):
    job = running_import(org, processed_rows=2000)
    left_running("leads.import", job, pid=ended_process())

    assert heartbeat.reap() == heartbeat.ReapReport(retried=0, failed=1)
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.message == (
        "Failed: the worker stopped before it finished. Nothing was imported; start it again."
    )
    assert not Heartbeat.objects.exists() and not Lead.objects.exists()
    client.force_login(org.rep)
    page = client.get(f"/leads/import/{job.pk}/", headers={"HX-Request": "true"})
    html = page.content.decode()
    assert "Failed: the worker stopped before it finished." in html
    assert "hx-trigger" not in html and "<progress" not in html  # no bar that never ends
    assert heartbeat.reap() == heartbeat.ReapReport()  # once


def test_a_valid_rows_import_says_how_far_it_got_and_is_not_run_twice(org):
    job = running_import(
        org, processed_rows=2000, committed_row=2001, created_count=1990, all_or_nothing=False
    )
    left_running("leads.import", job, pid=ended_process())
    heartbeat.reap()
    job.refresh_from_db()
    assert (job.status, job.interrupted) == ("failed", True)  # resumed by a person, not by itself
    assert "The rows up to row 2001 were imported (1990 created, 0 merged)" in job.message
    assert "resume it to import the rest" in job.message


def test_a_run_whose_process_lives_is_left_alone_however_old_its_beat(org):
    """A long SQLite transaction can hold the beat back; the process is asked, not the clock."""
    job = running_import(org)
    left_running("leads.import", job, ago=86_400)
    assert heartbeat.reap() == heartbeat.ReapReport()
    job.refresh_from_db()
    assert job.status == "running"


def test_a_pid_now_used_by_another_process_counts_as_stopped(org):
    job = running_import(org)
    beat = left_running("leads.import", job)  # this process's pid, but another start time
    Heartbeat.objects.filter(pk=beat.pk).update(pid_started=beat.pid_started - 1)
    assert heartbeat.reap().failed == 1


def test_a_run_on_another_machine_stops_counting_once_its_beat_is_old(org, settings):
    job = running_import(org)
    left_running("leads.import", job, machine="another machine", pid=1, ago=100)
    assert heartbeat.reap() == heartbeat.ReapReport()  # 100 s: within SALESOP_JOB_STALE_SECONDS
    with time_machine.travel(timezone.now() + timedelta(seconds=21)):
        assert heartbeat.reap().failed == 1
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_export_whose_worker_died_is_written_again(org, django_capture_on_commit_callbacks):
    make_lead(org.rep)
    with django_capture_on_commit_callbacks(execute=False):
        job = export_start(by=org.rep, fmt="csv", query="")  # queued; its worker dies...
    ExportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1)
    left_running("leads.export", job, pid=ended_process())

    with django_capture_on_commit_callbacks(execute=True):  # ...the sweep queues it again
        assert heartbeat.reap() == heartbeat.ReapReport(retried=1, failed=0)
    job.refresh_from_db()
    assert job.status == "done" and job.file and job.total_rows == 1
    assert not Heartbeat.objects.exists()


def test_an_export_that_died_three_times_is_given_up_saying_so(org, client):
    with transaction.atomic():
        job = ExportJob.objects.create(created_by=org.rep, fmt="csv", status="running")
    left_running("leads.export", job, pid=ended_process(), attempts=3)
    assert heartbeat.reap() == heartbeat.ReapReport(retried=0, failed=1)
    client.force_login(org.rep)
    html = client.get(f"/leads/exports/{job.pk}/", headers={"HX-Request": "true"}).content
    assert 'data-testid="export-failed"' in html.decode() and b"<progress" not in html


def test_training_whose_worker_died_is_trained_again(org, django_capture_on_commit_callbacks):
    run = TrainingRun.objects.create(created_by=org.ops, status="running", processed=3)
    left_running("customers.training", run, pid=ended_process())
    with django_capture_on_commit_callbacks(execute=True):
        assert heartbeat.reap().retried == 1
    run.refresh_from_db()
    assert run.status == "done" and run.finished_at is not None


def test_monthly_work_whose_worker_died_runs_again_and_once(
    org, django_capture_on_commit_callbacks
):
    run = ScheduledRun.objects.create(
        schedule="monthly", period=timezone.localdate().replace(day=1), status="running"
    )
    left_running("monitor.scheduled", run, pid=ended_process())
    with django_capture_on_commit_callbacks(execute=True):
        assert heartbeat.reap().retried == 1
    run.refresh_from_db()
    assert run.status == "done"
    assert MonthlyReview.objects.count() == 1  # the month's review went out


def test_a_job_that_raises_is_failed_rather_than_left_running(
    org, django_capture_on_commit_callbacks
):
    """An error nobody foresaw (the database refusing every write after all checks passed: a
    full disk, here a trigger) ends the job as failed, saying the error, instead of leaving it
    running."""
    job = import_upload(by=org.rep, upload=SimpleUploadedFile("l.csv", CSV), channel=make_channel())
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON leads_lead "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON leads_lead "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
    run_import_job.call_local(job.pk)
    job.refresh_from_db()
    assert (job.status, job.interrupted) == ("failed", True)
    assert job.message.startswith("失败：出错中止")  # the rep's language (the default, zh-hans)
    assert "disk full" in job.message
    assert not Heartbeat.objects.exists()


def test_the_nightly_work_runs_once_a_day_however_many_workers_enqueue_it(org):
    """Every worker's scheduler enqueues the periodic tasks: the day's run is claimed once."""
    nightly.call_local()
    nightly.call_local()
    run = ScheduledRun.objects.get()
    assert (run.schedule, run.period, run.status) == ("nightly", timezone.localdate(), "done")
    assert AggregateRun.objects.count() == 1 and not Heartbeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats(org, settings):
    settings.JOB_STALE_AFTER = timedelta(seconds=0.6)  # a beat every 0.1 s
    run = ScheduledRun.objects.create(schedule="nightly", period=timezone.localdate())
    with heartbeat.beating("monitor.scheduled", run):
        first = Heartbeat.objects.get().beat_at
        time.sleep(0.5)
        assert Heartbeat.objects.get().beat_at > first
    assert not Heartbeat.objects.exists()
