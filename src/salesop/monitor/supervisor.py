"""`salesop serve`'s main process: gunicorn in a child process, and beside it the worker,
started again whenever it stops, and a watch that tells sales ops when sweeps stop (whatever
the reason: a worker that keeps crashing, one that hangs, or workers on other machines that
are gone). huey's own `check_worker_health` restarts a dead thread inside a consumer; this
restarts the consumer.

gunicorn runs in a child rather than in this process because its arbiter reaps every child of
its process (waitpid(-1)), which would take the worker's exit status from its supervisor, and
because it forks its workers: no thread of ours should be running in the process it forks."""

import ctypes
import logging
import os
import signal
import subprocess  # fixed argument lists only  # nosec B404
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.utils import timezone

from salesop.monitor.liveness import sweeps_watch

log = logging.getLogger("salesop.supervisor")

MAX_DELAY = 60.0
# A worker that ran this long before it stopped was not crash-looping: the delay starts over.
STEADY = 60.0


def _how(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


class WorkerSupervisor:
    """Runs `command` and starts it again whenever it stops: after `delay` seconds, doubling
    (from at least 1 s, up to a minute) while it keeps stopping within a minute of starting.
    Each start and stop is logged."""

    def __init__(self, command: list[str], delay: float):
        self.command = command
        self.delay = float(delay)
        self.restarts = 0
        self.process: subprocess.Popen | None = None
        self._started_at = 0.0
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # no start after stop() began
        self._thread = threading.Thread(target=self._supervise, name="worker supervisor")
        self._thread.daemon = True

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _spawn(self) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            self.process = subprocess.Popen(self.command)  # noqa: S603  # nosec B603
            self._started_at = time.monotonic()
        log.info("worker started (pid %s)", self.process.pid)
        return True

    def _supervise(self) -> None:
        delay = self.delay
        while self.process is not None:
            process = self.process
            code = process.wait()  # nothing else reaps in this process: the status is true
            if self._stopping.is_set():
                return
            ran = time.monotonic() - self._started_at
            if self.restarts and ran < STEADY:  # stopping again and again: back off
                delay = min(MAX_DELAY, max(1.0, delay * 2))
            else:
                delay = self.delay
            self.restarts += 1
            log.error(
                "worker (pid %s) %s after %.0f s; restarting it in %.0f s (restart %d)",
                process.pid,
                _how(code),
                ran,
                delay,
                self.restarts,
            )
            if self._stopping.wait(delay) or not self._spawn():
                return

    def stopping(self) -> None:
        """No more restarts (safe in a signal handler); stop() ends the worker."""
        self._stopping.set()

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


class SweepWatch:
    """Every few seconds (a tenth of SALESOP_SWEEP_STALE_SECONDS, at most 30 s) asks whether
    the worker still sweeps; liveness.sweeps_watch tells ops once per outage."""

    def __init__(self):
        stale = settings.SWEEP_STALE_AFTER.total_seconds()
        self.every = max(1.0, min(30.0, stale / 10))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="sweep watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _watch(self) -> None:
        since = timezone.now()
        while not self._stopping.wait(self.every):
            try:
                if sweeps_watch(since=since):
                    log.error("the worker has stopped sweeping: sales ops were told")
            except Exception:  # the database may be away too: the next round asks again
                log.exception("could not check whether the worker sweeps")
            finally:
                connections.close_all()  # one question every few seconds: nothing kept open

    def stop(self) -> None:
        self._stopping.set()


# Passed on to gunicorn's arbiter, which acts on them (stop, reload, reopen logs, more or
# fewer workers), as if it were the process the user started.
FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGHUP,
    signal.SIGUSR1,
    signal.SIGTTIN,
    signal.SIGTTOU,
)


def die_with(parent: int) -> None:
    """Linux: this process gets SIGTERM when `parent` dies, kill -9 included, as gunicorn's own
    workers stop when their arbiter dies: the web server does not serve on unsupervised
    holding the port, nor the worker sweep beside the next one's."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: it serves on
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def run_supervised(web: Callable[[], object], worker: WorkerSupervisor | None) -> int:
    """Runs `web` (gunicorn's arbiter) in a child process and, in this one, the worker (when
    given) and the sweep watch, until the web server exits. Logs how it ended and returns its
    exit status (128 + the signal when one killed it); the worker is stopped with it."""
    parent = os.getpid()
    connections.close_all()  # each process opens its own
    web_pid = os.fork()
    if web_pid == 0:
        die_with(parent)
        code = 1
        try:
            web()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            os._exit(code)

    def forward(signum, _frame) -> None:
        if signum in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT) and worker is not None:
            worker.stopping()  # Ctrl-C reaches the worker too: no restart while all stop
        os.kill(web_pid, signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    watch = SweepWatch()
    watch.start()
    if worker is not None:
        worker.start()
    try:
        _pid, status = os.waitpid(web_pid, 0)
    finally:
        watch.stop()
        if worker is not None:
            worker.stop()
    code = os.waitstatus_to_exitcode(status)
    if code:
        log.error("the web server %s: salesop serve stops", _how(code))
    else:
        log.info("the web server stopped")
    # As a shell reports a process killed by a signal (137 for SIGKILL), not Python's 247.
    return 128 - code if code < 0 else code
