"""The `salesop` command: demo, serve, release, migrate, createadmin, check, token, and `manage`
for the rest of Django's commands."""

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

# The command's messages in the installation's language (SALESOP_LANGUAGE), like the
# messages of the services they print: one language in one run. Called only after setup().
from django.utils.translation import gettext as _

from salesop import cli_records
from salesop.cli_setup import archive_step, data_dir, setup


def _prepare_demo_environment(host: str) -> None:
    """Demo mode: plain HTTP on this machine, a secret key kept in the data directory."""
    key_file = data_dir() / "secret_key"
    if not os.environ.get("SALESOP_SECRET_KEY") and not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    os.environ.setdefault("SALESOP_HTTPS", "false")
    hosts = {"localhost", "127.0.0.1", "[::1]", host}
    os.environ.setdefault("SALESOP_ALLOWED_HOSTS", ",".join(sorted(hosts)))


def _waiting_for_release() -> None:
    print(
        _(
            "salesop: another release of this installation is running (a server starting, or "
            "`salesop release`): waiting for it to finish."
        ),
        file=sys.stderr,
        flush=True,
    )


def _release(verbosity: int = 0) -> None:
    """The release steps (core/release.py): migrations and static files, each done once per
    release under a lock, however many servers start together."""
    from salesop.core.release import release

    outcome = release(verbosity=verbosity, waiting=_waiting_for_release)
    if outcome.migrations:
        print(_("Release: %(n)d migrations applied.") % {"n": outcome.migrations})
    else:
        print(_("Release: the database schema was up to date."))
    if outcome.static_files is not None:
        print(_("Release: %(n)d static files collected.") % {"n": outcome.static_files})
    else:
        print(_("Release: the static files were up to date."))
    sys.stdout.flush()


def _refuse_unreleased() -> None:
    """`serve --no-release`: a server that only serves refuses to start on a release not done
    (it would answer errors), saying what to run."""
    from salesop.core.release import needed

    steps = needed()
    if not steps:
        return
    what = {
        "migrations": _("the database schema is not up to date"),
        "static": _("the static files are not collected for this version"),
    }
    sys.exit(
        _("salesop: %(what)s: run `salesop release` first (once per release).")
        % {"what": "; ".join(what[step] for step in steps)}
    )


def _serve(host: str, port: int, workers: int, with_worker: bool = True) -> None:
    """gunicorn, with the background worker beside it (sweeps, alerts, notifications and
    scheduled jobs run while the site is up, and stop with it), started again whenever it
    stops, and a watch telling sales ops when sweeps stop (monitor/supervisor.py)."""
    from django.conf import settings
    from gunicorn.app.base import BaseApplication

    from salesop.monitor.supervisor import WorkerSupervisor, run_supervised

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self):
            from salesop.wsgi import application

            return application

    command = [sys.executable, "-m", "salesop.cli", "worker", "--die-with", str(os.getpid())]
    worker = WorkerSupervisor(command, settings.WORKER_RESTART_SECONDS) if with_worker else None
    code = run_supervised(lambda: Server().run(), worker)
    if code:
        sys.exit(code)


def cmd_demo(args: argparse.Namespace) -> None:
    _prepare_demo_environment(args.host)
    setup()
    _release()
    from django.conf import settings

    from salesop.demo import load_demo

    result = load_demo()
    url = f"http://{args.host}:{args.port}/"
    print()
    print(_("salesop demo: %(url)s") % {"url": url})
    print(_("Data directory: %(path)s") % {"path": os.environ["SALESOP_DATA_DIR"]})
    print(
        _("Log in with one of these users, password: %(password)s") % {"password": result.password}
    )
    for username, description in result.logins:
        print(f"  {username:<10} {description}")
    if settings.OTP_REQUIRED_FOR_ADMIN:
        print(
            _(
                "The administration (/admin/) asks ops and admin for a code from an "
                "authenticator app\n(TOTP): the first visit sends them to set one up under "
                "Profile, Two-factor\nauthentication. SALESOP_OTP_REQUIRED_FOR_ADMIN=false "
                "turns this off."
            )
        )
    print()
    sys.stdout.flush()
    if not args.no_serve:
        _serve(args.host, args.port, args.workers, with_worker=not args.no_worker)


def cmd_serve(args: argparse.Namespace) -> None:
    setup()
    if args.no_release:
        _refuse_unreleased()
    else:
        _release()
    _serve(args.host, args.port, args.workers, with_worker=not args.no_worker)


def cmd_worker(args: argparse.Namespace) -> None:
    """The huey consumer alone (run M of these on M machines with SALESOP_REDIS_URL)."""
    setup()
    from django.core.management import call_command

    from salesop.core.process import loaded
    from salesop.monitor.supervisor import die_with
    from salesop.monitor.tasks import alert_sweep

    if args.die_with:
        die_with(args.die_with)
    # A (re)started worker sweeps at once: it reaps the jobs its predecessor left running and
    # shows it is alive, rather than at the next minute.
    alert_sweep()
    loaded()
    call_command("run_huey", workers=args.threads)


def cmd_sweep(args: argparse.Namespace) -> None:
    """One supervision pass now: jobs whose worker stopped queued again or failed; alerts
    opened, resolved and escalated; then notifications sent. (The worker's pulse on /health/
    is its own sweeps', not this one's.)"""
    setup()
    from salesop.monitor import heartbeat, sending, services

    stopped = heartbeat.reap()
    report = services.sweep()
    sent = sending.Sent() if args.no_send else sending.send_due_notifications()
    line = _(
        "opened %(opened)d, resolved %(resolved)d, escalated %(escalated)d, sent %(sent)d,"
        " failed %(failed)d"
    ) % {
        "opened": report.opened,
        "resolved": report.resolved,
        "escalated": report.escalated,
        "sent": sent.sent,
        "failed": sent.failed,
    }
    if sent.last_error:
        line += _(" (failed emails are tried again later; the last error: %(error)s)") % {
            "error": sent.last_error
        }
    if stopped.retried or stopped.failed:
        line += _("; jobs whose worker stopped: %(retried)d queued again, %(failed)d failed") % {
            "retried": stopped.retried,
            "failed": stopped.failed,
        }
    if report.skipped_kinds:
        line += _("; kinds waiting for their app: %(kinds)s") % {
            "kinds": ", ".join(report.skipped_kinds)
        }
    print(line)


def cmd_release(args: argparse.Namespace) -> None:
    """The release steps alone, for a deploy script: run once per release before starting
    servers with `serve --no-release` (running it on every machine is safe: each waits for the
    others and finds done what is done)."""
    setup()  # holds the data directory: no restore replaces the data meanwhile
    _release(verbosity=1)


def cmd_migrate(args: argparse.Namespace) -> None:
    setup()
    from django.core.management import call_command

    from salesop.core.release import release_lock

    with release_lock(_waiting_for_release):  # not beside a server's or a release's migrations
        call_command("migrate", interactive=False, verbosity=1)


def cmd_check(args: argparse.Namespace) -> None:
    setup()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=args.deploy, fail_level="WARNING")
    except SystemCheckError as exc:
        sys.exit(str(exc))


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get("SALESOP_ADMIN_PASSWORD"):
        return os.environ["SALESOP_ADMIN_PASSWORD"]
    first = getpass.getpass(_("Password: "))
    if first != getpass.getpass(_("Password (again): ")):
        sys.exit(_("salesop: the passwords do not match."))
    return first


def cmd_createadmin(args: argparse.Namespace) -> None:
    setup()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from salesop.accounts.models import Role
    from salesop.accounts.services import user_create
    from salesop.core.errors import DomainError

    password = _read_password(args)
    try:
        validate_password(password)
        user_create(
            username=args.username,
            password=password,
            email=args.email,
            full_name=args.full_name,
            roles=(Role.OPS,),
            is_superuser=True,
        )
    except ValidationError as exc:
        sys.exit(_("salesop: password refused: %(reasons)s") % {"reasons": " ".join(exc.messages)})
    except DomainError as exc:
        sys.exit(f"salesop: {exc.message}")
    print(_("Created administrator %(username)s (sales operations).") % {"username": args.username})


def _contents(manifest: dict) -> str:
    from salesop.core.money import format_amount

    rows = sum(t["rows"] for t in manifest["tables"].values())
    return _("%(tables)d tables (%(rows)s rows) and %(files)d files") % {
        "tables": len(manifest["tables"]),
        "rows": format_amount(rows),
        "files": len(manifest["files"]),
    }


def cmd_backup(args: argparse.Namespace) -> None:
    """The database and uploaded files in one archive, with a manifest of checksums."""
    setup()
    from salesop.core.backup import backup

    archive, manifest = archive_step(lambda: backup(Path(args.out)))
    print(
        _("Backed up %(contents)s to %(archive)s")
        % {"contents": _contents(manifest), "archive": archive}
    )


def cmd_restore(args: argparse.Namespace) -> None:
    """Checks an archive from `salesop backup` against its manifest and this installation's
    schema, then puts it in place of the database and uploaded files."""
    setup(hold=False)
    from django.core.management import call_command

    from salesop.core.backup import restore
    from salesop.core.installation import Exclusive

    # No server or worker of this data directory may write while the data is replaced (their
    # writes would be lost, or make the swap fail), and none starts until it is done.
    def step() -> dict:
        with Exclusive():
            # an empty target has no tables, and a backup is checked against the migrated schema
            call_command("migrate", interactive=False, verbosity=0)
            return restore(Path(args.file), force=args.force)

    manifest = archive_step(step)
    print(
        _("Restored %(contents)s from the backup of %(created)s; every checksum matches.")
        % {"contents": _contents(manifest), "created": manifest["created_at"]}
    )


def cmd_token(args: argparse.Namespace) -> None:
    setup()
    from salesop.accounts.models import User
    from salesop.accounts.services import api_token_create
    from salesop.core.errors import DomainError

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        sys.exit(_("salesop: no active user named %(name)r.") % {"name": args.user})
    try:
        token, raw = api_token_create(user=user, name=args.name, days=args.days)
    except DomainError as exc:
        sys.exit(f"salesop: {exc.message}")
    from django.utils import timezone

    # the expiry in the company's zone with its offset, not UTC's date: a token made at 01:00
    # in Shanghai was said to expire the day before
    expires = timezone.localtime(token.expires_at)
    print(
        _("Token %(name)r for %(username)s, expires %(date)s.")
        % {"name": token.name, "username": user.username, "date": f"{expires:%Y-%m-%d %H:%M %z}"}
    )
    print(_("It is shown once; store it now:"))
    print(raw)


def cmd_manage(args: argparse.Namespace) -> None:
    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["salesop manage", *args.rest])


def build_parser() -> argparse.ArgumentParser:

    parser = argparse.ArgumentParser(prog="salesop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def server_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        p.add_argument("--no-worker", action="store_true", help="do not start the job worker")

    p = sub.add_parser("demo", help="run a demo site: SQLite, demo data, logins printed")
    server_args(p)
    p.add_argument("--no-serve", action="store_true", help="set up and load data, do not serve")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="run the release steps if not done, serve with gunicorn")
    server_args(p)
    p.add_argument(
        "--no-release",
        action="store_true",
        help="only serve: refuse to start until `salesop release` has run for this version",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run the background job worker (huey consumer)")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--die-with", type=int, default=0, help=argparse.SUPPRESS)  # salesop serve
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("sweep", help="run one alert sweep now")
    p.add_argument("--no-send", action="store_true", help="do not send notifications")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "release", help="migrate and collect static files, once per release, under a lock"
    )
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("check", help="run Django's system checks")
    p.add_argument("--deploy", action="store_true", help="include production security checks")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("createadmin", help="create a sales-operations administrator")
    p.add_argument("--username", default="admin")
    p.add_argument("--email", default="")
    p.add_argument("--full-name", default="")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_createadmin)

    p = sub.add_parser("backup", help="back up the database and uploaded files")
    p.add_argument("--out", default="backups", help="directory for the archive")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup and verify its checksums")
    p.add_argument("file", help="an archive written by `salesop backup`")
    p.add_argument("--force", action="store_true", help="replace a database that has data")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("token", help="create a personal API token for a user")
    p.add_argument("--user", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--days", type=int, default=None)
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("playbook", help="validate or load a playbook file")
    p.add_argument("action", choices=["validate", "load"])
    p.add_argument("file")
    p.add_argument("--comment", default="")
    p.add_argument(
        "--activate", action="store_true", help="make the loaded version the running one"
    )
    p.add_argument("--by", default="", help="user name recorded as author (default: none)")
    p.set_defaults(func=cli_records.cmd_playbook)

    p = sub.add_parser(
        "import",
        help="import leads, companies, contacts, activities, historical deals or users from CSV "
        "or XLSX; "
        "`import resume JOB` runs a stopped import again",
    )
    p.add_argument(
        "what", choices=["leads", "deals", "accounts", "contacts", "activities", "users", "resume"]
    )
    p.add_argument("file", help="the file; after resume, the import's number")
    p.add_argument("--channel", default="", help="leads: the channel's name")
    p.add_argument(
        "--date-order",
        choices=["ymd", "dmy", "mdy"],
        default="ymd",
        help="deals: how to read dates like 01-03-24",
    )
    p.add_argument(
        "--create-owners",
        action="store_true",
        help="deals: create unknown owners as users without a login",
    )
    p.add_argument("--user", required=True, help="who imports (owner of rows without one)")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a file column to a field (default: guessed from the header)",
    )
    p.add_argument(
        "--values",
        action="append",
        default=[],
        metavar="FIELD:VALUE=OURS",
        help="read a value of the file as ours, e.g. stage:Prospecting=discovery (deals), "
        "role:Lead=manager (users), decision_role:CEO=decision_maker (contacts)",
    )
    p.add_argument("--dedupe", choices=["skip", "merge", "create"], default="skip")
    p.add_argument("--valid-only", action="store_true", help="import valid rows, report others")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.set_defaults(func=cli_records.cmd_import)

    p = sub.add_parser("train", help="rebuild the ideal customer profile and the win model")
    p.set_defaults(func=cli_records.cmd_train)

    p = sub.add_parser("review", help="write the monthly SOP review (XLSX and Word)")
    p.add_argument("--month", required=True, help="YYYY-MM, a month that has begun")
    p.add_argument("--user", help="whose view (default: the first sales-operations user)")
    p.add_argument("--out", default=".", help="directory for the files (default: here)")
    p.add_argument("--language", choices=["zh-hans", "en"], help="default: SALESOP_LANGUAGE")
    p.add_argument("--send", action="store_true", help="tell the managers it is ready")
    p.set_defaults(func=cli_records.cmd_review)

    p = sub.add_parser("manage", help="any Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
