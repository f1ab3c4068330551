"""Which salesop processes use this data directory now. `salesop serve` (and `demo`) and every
worker hold a shared lock on `salesop.lock` in the data directory while they run; a restore
holds it exclusively, so it cannot start while a server or worker runs, and none of them can
start while it runs. The operating system drops a lock with its last process, kill -9 included:
no stale pid file to clean up.

A process started by gunicorn's fork inherits the lock with the open file, so the server holds
it until its last process has gone. Servers on other machines sharing one PostgreSQL database
have their own data directories: this lock does not see them (README says so)."""

import fcntl
import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from salesop.core.errors import DomainError

LOCK_NAME = "salesop.lock"
INSTALLATION_RUNNING = "installation_running"

_held: list[int] = []  # kept open for the life of the process: closing would drop the lock


def _lock_file() -> Path:
    return Path(settings.DATA_DIR) / LOCK_NAME


def _open() -> int:
    path = _lock_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _holders(path: Path) -> list[int]:
    """The processes holding a lock on `path` (Linux's /proc/locks); empty where unknown."""
    try:
        inode = path.stat().st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    pids = set()
    for line in lines:
        fields = line.split()
        # "1: FLOCK  ADVISORY  READ  1234 08:01:5678 0 EOF" (a "->" marks a waiter)
        if "->" in fields or len(fields) < 6:
            continue
        if fields[5].rsplit(":", 1)[-1] == str(inode) and fields[4].isdigit():
            pids.add(int(fields[4]))
    pids.discard(os.getpid())
    return sorted(pids)


def hold_running() -> None:
    """Marks this process (and the processes it forks) as a running server or worker of this
    installation until it exits; refused while a restore runs."""
    fd = _open()
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DomainError(
            "restore_running",
            _("A restore is running in %(folder)s: start salesop again when it has finished.")
            % {"folder": settings.DATA_DIR},
        ) from None
    _held.append(fd)


class Exclusive:
    """This installation to itself: no server or worker runs, none starts until released."""

    def __init__(self):
        self.fd = _open()

    def __enter__(self) -> "Exclusive":
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pids = _holders(_lock_file())
            os.close(self.fd)
            raise DomainError(
                INSTALLATION_RUNNING,
                _(
                    "salesop is running on %(folder)s (a server, a worker or another "
                    "restore%(pids)s): stop it first (`salesop serve`, `salesop demo` and every "
                    "`salesop worker` of this data directory), then restore."
                )
                % {
                    "folder": settings.DATA_DIR,
                    "pids": _(", process %(pids)s") % {"pids": ", ".join(map(str, pids))}
                    if pids
                    else "",
                },
            ) from None
        return self

    def pass_on(self) -> int:
        """The lock's descriptor, for a child process that must hold it as long as it runs."""
        return self.fd

    def __exit__(self, *exc) -> None:
        os.close(self.fd)  # drops the lock
