"""Jobs that run for a while beat while they run, so a run whose worker died (kill -9, out of
memory, a machine lost) is found by the sweep and run again or failed with a reason its page
shows, instead of a progress bar that never ends. huey does not re-run a task whose worker was
killed; this is where that is made good, from database state.

Each app registers its job kinds (as alert kinds are registered in registry.py): how to fail
a run, and how to queue it again when running it twice is safe. The job's code wraps its work
in `beating(kind, job)`.

Whether a run's process is alive: on the machine (and process namespace) that runs the sweep,
the operating system says so exactly, however long a transaction has kept SQLite's write lock
from the beat; a run on another machine is taken as dead once its beat is older than
SALESOP_JOB_STALE_SECONDS."""

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from salesop.monitor.models import Heartbeat

log = logging.getLogger(__name__)

# What the job's page says happened; each kind adds what the run left behind.
STOPPED = _("Failed: the worker stopped before it finished.")
ERROR = _("Failed: an error stopped it; the worker's log says why.")


@dataclass(frozen=True)
class JobKind:
    name: str
    model: type[models.Model]
    # fail(job=, reason=): marks the run failed if it is still queued or running, saying
    # `reason` (STOPPED or ERROR, translated) on its page.
    fail: Callable[..., None]
    # requeue(job=): marks a running run queued and queues its task again (on commit); None
    # for runs that must not start over (a valid-rows import half written).
    requeue: Callable[..., None] | None = None
    max_attempts: int = 3
    # The field naming who started the run: the reason is written in their language.
    owner: str | None = "created_by"


KINDS: dict[str, JobKind] = {}


def job_kind(kind: JobKind) -> JobKind:
    if kind.name in KINDS and KINDS[kind.name] != kind:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind


def _process_started(pid: int) -> int | None:
    """When `pid` started (clock ticks after boot, /proc/PID/stat field 22); None when there is
    no such process or only its corpse (a zombie its parent has not reaped)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def _this_process() -> tuple[str, int, int | None]:
    """(machine, pid, start) of this process; machine is empty where /proc cannot tell."""
    pid = os.getpid()
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return "", pid, None
    return f"{boot}/{namespace}", pid, _process_started(pid)


def _beat_every() -> float:
    return settings.JOB_STALE_AFTER.total_seconds() / 6


@contextmanager
def beating(kind_name: str, job) -> Iterator[None]:
    """Marks `job` as running in this process and beats from a thread until the block ends.
    A block that raises fails the run (saying an error stopped it) and re-raises. Enter it
    outside any transaction: the beat must be visible to the sweep at once."""
    kind = KINDS[kind_name]
    machine, pid, started = _this_process()
    now = timezone.now()
    where = {"kind": kind_name, "object_id": job.pk}
    fields = dict(beat_at=now, started_at=now, machine=machine, pid=pid, pid_started=started)
    if not Heartbeat.objects.filter(**where).update(attempts=F("attempts") + 1, **fields):
        Heartbeat.objects.create(**where, attempts=1, **fields)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(_beat_every()):
                try:
                    # Only while the row is running: a run the sweep gave up on stays given up.
                    Heartbeat.objects.filter(beat_at__isnull=False, **where).update(
                        beat_at=timezone.now()
                    )
                except DatabaseError as exc:  # locked, or the database is away: beat again
                    log.warning("heartbeat of %s %s not written: %s", kind_name, job.pk, exc)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat {kind_name} {job.pk}", daemon=True)
    thread.start()
    try:
        yield
    except BaseException as exc:
        # Not caught by the job (Ctrl-C of `salesop import` too): fail it now rather than
        # leave it running until nobody beats.
        _fail(kind, job, ERROR if isinstance(exc, Exception) else STOPPED, quietly=True)
        raise
    finally:
        stop.set()
        # Bounded: the beat may be waiting for a lock the caller's transaction holds.
        thread.join(timeout=1)
        try:
            Heartbeat.objects.filter(**where).delete()
        except DatabaseError:
            # The run ended either way; its kind fails only runs still running, so the sweep
            # finding this row later changes nothing.
            log.exception("heartbeat of %s %s not removed", kind_name, job.pk)


def _fail(kind: JobKind, job, reason, quietly: bool = False) -> None:
    owner = getattr(job, kind.owner, None) if kind.owner else None
    try:
        with translation.override(getattr(owner, "language", "") or settings.LANGUAGE_CODE):
            kind.fail(job=job, reason=str(reason))
    except DatabaseError:
        if not quietly:
            raise
        # Already failing (the database may be what failed): the original error matters more.
        log.exception("%s %s could not be marked failed", kind.name, job.pk)


@dataclass
class ReapReport:
    retried: int = 0
    failed: int = 0


def _stopped(beat: Heartbeat, machine: str, stale_before: datetime) -> bool:
    if machine and beat.machine == machine:
        started = _process_started(beat.pid) if beat.pid else None
        return started is None or (beat.pid_started is not None and started != beat.pid_started)
    return beat.beat_at < stale_before


def reap(now: datetime | None = None) -> ReapReport:
    """Finds runs whose process stopped and, per kind, queues them again (fewer than
    max_attempts so far, when running twice is safe) or fails them saying the worker stopped.
    Each is claimed by clearing its beat with a conditional UPDATE, so two sweeps act once."""
    now = now or timezone.now()
    machine = _this_process()[0]
    stale_before = now - settings.JOB_STALE_AFTER
    # Runs here are few (a handful of imports, exports, trainings) and asked of the OS each
    # sweep; runs elsewhere only once their beat is old, through the beat_at index.
    here = Q(machine=machine) if machine else Q(pk__in=[])
    candidates = Heartbeat.objects.filter(here | Q(beat_at__lt=stale_before), beat_at__isnull=False)
    report = ReapReport()
    for beat in candidates.order_by("beat_at"):
        kind = KINDS.get(beat.kind)
        if kind is None or not _stopped(beat, machine, stale_before):
            continue
        job = kind.model.objects.filter(pk=beat.object_id).first()
        retry = job is not None and kind.requeue is not None and beat.attempts < kind.max_attempts
        with transaction.atomic():
            claimed = Heartbeat.objects.filter(pk=beat.pk, beat_at=beat.beat_at).update(
                beat_at=None
            )
            if not claimed:
                continue
            if retry:
                kind.requeue(job=job)  # the row stays, counting attempts
                report.retried += 1
            else:
                Heartbeat.objects.filter(pk=beat.pk).delete()
                if job is not None:
                    _fail(kind, job, STOPPED)
                    report.failed += 1
        log.warning(
            "%s %s stopped with its worker (pid %s, attempt %s): %s",
            beat.kind,
            beat.object_id,
            beat.pid,
            beat.attempts,
            "queued again" if retry else "failed",
        )
    return report
