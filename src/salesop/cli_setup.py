"""What every `salesop` command does first (Django set up, a killed restore made whole, this
process counted as one using the installation), apart from the commands themselves so that
cli.py and cli_records.py both import it without importing each other."""

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    path = Path(os.environ.get("SALESOP_DATA_DIR", "salesop-data")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["SALESOP_DATA_DIR"] = str(path)
    return path


def setup(*, hold: bool = True) -> None:
    """Django set up, a killed restore's leftovers made whole, and (unless `hold` is false, as
    for the restore itself) this process counted as one using the installation: every command
    reads or writes the data a restore replaces, so none runs beside one (an import beside a
    restore lost the rows written before the swap while both said they had succeeded)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesop.settings")
    data_dir()
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        sys.exit(f"salesop: configuration error: {exc}")
    from salesop.core.backup import recover_interrupted

    done = archive_step(recover_interrupted)  # a restore that was killed part-way
    if done:
        print(f"salesop: {done}", file=sys.stderr)
    if hold:
        hold_running()


def hold_running() -> None:
    """This process (and those it forks) counts as a running server or worker: no restore
    starts until it exits."""
    from salesop.core.installation import hold_running as hold

    archive_step(hold)


def archive_step(step):
    """Runs a backup or restore step; its refusal (a failed pg_dump or pg_restore included)
    ends the command. Returns the step's result."""
    from salesop.core.errors import DomainError

    try:
        return step()
    except DomainError as exc:
        sys.exit(f"salesop: {exc.message}")
