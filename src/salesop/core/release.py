"""The release steps: the database schema brought up to date and the static files collected,
once per release however many servers start together.

Before, every `salesop serve` migrated and collected at start: three servers started at once
on a fresh SQLite data directory collided in their migrations ("table customers_account already
exists") and only one answered; on PostgreSQL the second copied static files over the first's
while it read them (FileNotFoundError) and never answered.

Now the steps run under a release lock: an exclusive flock on `salesop-release.lock` in the
data directory (the servers of one machine, and of every machine sharing the directory where
its file system carries flock), and on PostgreSQL also a session advisory lock on a fixed key,
held on a connection of its own (every machine using the database). Whoever takes the lock
second finds the work done and does nothing: migrations are run only when some are unapplied,
static files only when the collected ones were not collected from these sources.

Static files are collected into a scratch directory beside `static/` and each file is then
moved into place with an atomic rename, the manifest last: a server already serving never
finds a file missing or half-written, and a collection killed part-way leaves `static/` as it
was (its scratch directory is removed by the next release)."""

import fcntl
import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

LOCK_NAME = "salesop-release.lock"
STAMP_NAME = ".salesop-release"  # in STATIC_ROOT: the fingerprint of the sources collected
SCRATCH_PREFIX = ".static-release-"
# pg_advisory_lock's key: "salesrel" as a (positive) 64-bit integer, the same on every machine
ADVISORY_KEY = int.from_bytes(b"salesrel", "big")


@dataclass(frozen=True)
class Outcome:
    migrations: int  # applied by this release step (0: the schema was up to date)
    static_files: int | None  # collected by this step (None: the collected ones were current)


@contextmanager
def release_lock(waiting: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Holds the release lock of this data directory and, on PostgreSQL, of the database;
    `waiting` is called once if another release holds it (this one then waits its turn)."""
    told = []

    def wait() -> None:
        if not told:
            told.append(True)
            waiting()

    path = Path(settings.DATA_DIR) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        with _database_lock(wait):
            yield
    finally:
        os.close(fd)  # drops the lock (the kernel drops it too if this process is killed)


@contextmanager
def _database_lock(wait: Callable[[], None]) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    # A connection of its own: the migrations' connection may be closed or reset under them,
    # and a session lock goes with the connection that took it (with the process, kill -9
    # included).
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            if not cursor.fetchone()[0]:
                wait()
                cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
        yield
    finally:
        own.close()


def unapplied_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _static_fingerprint() -> str:
    """What the collected static files were made from: each source file's path and content,
    and how they are stored. The same sources installed on another machine (other mtimes)
    give the same fingerprint."""
    from django.apps import apps
    from django.contrib.staticfiles.finders import get_finders

    ignore = apps.get_app_config("staticfiles").ignore_patterns
    entries = {}
    for finder in get_finders():
        for path, storage in finder.list(ignore):
            name = os.path.join(getattr(storage, "prefix", None) or "", path)
            if name in entries:  # collectstatic takes the first finder's file too
                continue
            with storage.open(path) as fh:
                entries[name] = hashlib.sha256(fh.read()).hexdigest()
    digest = hashlib.sha256()
    digest.update(
        f"{settings.STORAGES['staticfiles']['BACKEND']}\n{settings.STATIC_URL}\n".encode()
    )
    for name in sorted(entries):
        digest.update(f"{name}\0{entries[name]}\n".encode())
    return digest.hexdigest()


def _static_root() -> Path:
    return Path(settings.STATIC_ROOT)


def _storage_class() -> type:
    from django.utils.module_loading import import_string

    return import_string(settings.STORAGES["staticfiles"]["BACKEND"])


def _manifest_name() -> str:
    # From the class, not django's staticfiles_storage: that one reads the manifest when first
    # used and keeps it, so a server that looked before collecting would serve the empty one.
    return getattr(_storage_class(), "manifest_name", "")


def static_current(fingerprint: str | None = None) -> bool:
    root = _static_root()
    stamp = root / STAMP_NAME
    manifest = _manifest_name()
    if not stamp.is_file() or (manifest and not (root / manifest).is_file()):
        return False
    return stamp.read_text(encoding="ascii").strip() == (fingerprint or _static_fingerprint())


def needed() -> list[str]:
    """What a release would do now: 'migrations', 'static' (nothing: the release is done)."""
    steps = []
    if unapplied_migrations():
        steps.append("migrations")
    if not static_current():
        steps.append("static")
    return steps


def _collect_static(fingerprint: str) -> int:
    """Collects into a scratch directory beside STATIC_ROOT, then renames each file into place,
    the manifest last and the fingerprint after it. Returns how many source files there were."""
    from django.contrib.staticfiles.management.commands.collectstatic import Command

    root = _static_root()
    root.mkdir(parents=True, exist_ok=True)
    for left in root.parent.glob(SCRATCH_PREFIX + "*"):  # from a release killed part-way
        shutil.rmtree(left, ignore_errors=True)
    scratch = root.parent / f"{SCRATCH_PREFIX}{os.getpid()}"
    try:
        command = Command()
        backend = _storage_class()
        options = settings.STORAGES["staticfiles"].get("OPTIONS", {})
        command.storage = backend(location=str(scratch), base_url=settings.STATIC_URL, **options)
        command.set_options(
            interactive=False,
            verbosity=0,
            link=False,
            clear=False,
            dry_run=False,
            ignore_patterns=[],
            use_default_ignore_patterns=True,
            post_process=True,
        )
        collected = command.collect()
        manifest = getattr(command.storage, "manifest_name", "")
        files = sorted(p for p in scratch.rglob("*") if p.is_file() and p.name != manifest)
        if manifest and (scratch / manifest).is_file():
            files.append(scratch / manifest)
        for source in files:
            target = root / source.relative_to(scratch)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        (scratch / STAMP_NAME).write_text(fingerprint + "\n", encoding="ascii")
        os.replace(scratch / STAMP_NAME, root / STAMP_NAME)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return len(collected["modified"]) + len(collected["unmodified"])


def release(*, verbosity: int = 0, waiting: Callable[[], None] = lambda: None) -> Outcome:
    """Brings the schema up to date and collects the static files, each only if not yet done
    for this release, under the release lock: servers started together each call this and the
    first does the work while the others wait for it, then find nothing to do."""
    from django.core.management import call_command

    with release_lock(waiting):
        migrations = unapplied_migrations()
        if migrations:
            call_command("migrate", interactive=False, verbosity=verbosity, stdout=sys.stdout)
        fingerprint = _static_fingerprint()
        static_files = None
        if not static_current(fingerprint):
            static_files = _collect_static(fingerprint)
    connections.close_all()  # a server forks next: each of its processes opens its own
    return Outcome(migrations=migrations, static_files=static_files)
