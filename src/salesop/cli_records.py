"""The `salesop` commands that bring records in or read the department's results: the playbook,
imports, the lead-scoring model, the monthly review. Each sets Django up first
(`cli_setup.setup`)."""

import argparse
import sys
from pathlib import Path

# Messages in the installation's language, as in cli.py: called only after setup().
from django.utils.translation import gettext as _

from salesop.cli_setup import setup


def cmd_playbook(args: argparse.Namespace) -> None:
    """validate FILE: report every error with path and line; load FILE: store it as a new
    version (and activate it with --activate)."""
    setup()
    from salesop.accounts.models import User
    from salesop.core.errors import DomainError
    from salesop.playbook.loader import InvalidPlaybook, parse_playbook
    from salesop.playbook.services import playbook_activate, playbook_version_create

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        sys.exit(
            _("salesop: cannot read %(file)s: %(reason)s") % {"file": args.file, "reason": exc}
        )
    if args.action == "validate":
        try:
            playbook = parse_playbook(text)
        except InvalidPlaybook as exc:
            for error in exc.errors:
                where = f"{args.file}:{error.line}:" if error.line else f"{args.file}:"
                print(f"{where} {error.path or '-'}: {error.message}")
            sys.exit(1)
        print(
            _("%(file)s: valid playbook %(name)r, %(n)d stages.")
            % {"file": args.file, "name": playbook.name, "n": len(playbook.stages)}
        )
        return
    by = None
    if args.by:
        by = User.objects.filter(username=args.by, is_active=True).first()
        if by is None:
            sys.exit(_("salesop: no active user named %(name)r.") % {"name": args.by})
    try:
        version = playbook_version_create(text=text, by=by, comment=args.comment)
        if args.activate:
            playbook_activate(version=version, by=by)
    except DomainError as exc:
        for line in exc.fields.get("text", "").splitlines() or [exc.message]:
            print(f"{args.file}: {line}", file=sys.stderr)
        sys.exit(1)
    if args.activate:
        print(_("Playbook version %(n)d (active).") % {"n": version.number})
    else:
        print(_("Playbook version %(n)d (saved, not active).") % {"n": version.number})


def cmd_import(args: argparse.Namespace) -> None:
    """Imports a file of one kind (leads, companies, historical deals, users and teams), showing
    progress; the same checks as the web import. `import resume JOB` runs a stopped import
    again, as its page's button does."""
    setup()
    if args.what == "resume":
        _import_resume(args)
        return
    from django.core.files import File

    from salesop.accounts.models import User
    from salesop.core.errors import DomainError
    from salesop.core.imports import KINDS, check_mapping, check_value_map, mapping_over
    from salesop.core.spreadsheets import read_rows
    from salesop.leads.jobs import import_upload, mapping_remember
    from salesop.leads.models import Channel
    from salesop.leads.selectors import import_values

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        sys.exit(_("salesop: no active user named %(name)r (--user).") % {"name": args.user})
    channel = Channel.objects.filter(name=args.channel).first() if args.channel else None
    if args.what == "leads" and channel is None:
        names = ", ".join(Channel.objects.values_list("name", flat=True))
        sys.exit(
            _("salesop: no channel named %(name)r (--channel); channels: %(names)s")
            % {"name": args.channel, "names": names}
        )
    path = Path(args.file)
    if not path.is_file():
        sys.exit(_("salesop: no file %(file)s") % {"file": args.file})
    with open(path, "rb") as fh:
        upload = File(fh, name=path.name)
        upload.size = path.stat().st_size
        try:
            job = import_upload(by=user, upload=upload, channel=channel, kind=args.what)
        except DomainError as exc:
            sys.exit(f"salesop: {exc.message}")
    # guessed from the header (or remembered for it), with --map's pairs added over the
    # guesses; COLUMN= leaves a guessed column out
    given = {}
    for pair in args.map or []:
        column, _eq, target = pair.partition("=")
        given[column.strip()] = target.strip()
    mapping = mapping_over(job.mapping, given)
    header, _rows = read_rows(Path(job.file.path))
    problems = check_mapping(header, mapping, args.what)
    if problems:
        sys.exit("salesop: " + "; ".join(problems))
    print(
        _("Columns: %(pairs)s") % {"pairs": ", ".join(f"{c} → {f}" for c, f in mapping.items())},
        file=sys.stderr,
    )
    unused = [c for c in header if c and c not in mapping]
    if unused:
        print(_("Not imported: %(columns)s") % {"columns": ", ".join(unused)}, file=sys.stderr)
    value_map: dict[str, dict[str, str]] = {}
    for item in args.values:
        target, _colon, pair = item.partition(":")
        theirs, _eq, ours = pair.rpartition("=")
        if not (target and theirs and ours):
            sys.exit(_("salesop: --values %(v)r is not FIELD:VALUE=OURS") % {"v": item})
        value_map.setdefault(target.strip(), {})[theirs.strip()] = ours.strip()
    problems = check_value_map(value_map, args.what)
    if problems:
        sys.exit("salesop: " + "; ".join(problems))
    # the file's values we would not know, each said before a row is refused for it
    job.mapping, job.value_map = mapping, value_map
    unknown: dict[str, list[str]] = {}
    for value in import_values(job):
        if not value.ours:
            unknown.setdefault(value.field, []).append(value.theirs)
    for target, values in unknown.items():
        ours = KINDS[args.what].choices()[target].options
        print(
            _("Values of %(f)s not known: %(values)s (map them: --values %(f)s:VALUE=%(ours)s)")
            % {"f": target, "values": ", ".join(values), "ours": "|".join(k for k, _l in ours)},
            file=sys.stderr,
        )
    if not args.dry_run:
        mapping_remember(by=job.created_by, kind=args.what, header=header, mapping=mapping)
    job.dedupe = args.dedupe
    job.all_or_nothing, job.dry_run = not args.valid_only, args.dry_run
    job.date_order, job.create_owners = args.date_order, args.create_owners
    job.save()

    _run_and_report(job)


def _import_resume(args: argparse.Namespace) -> None:
    from salesop.accounts.models import User
    from salesop.core.errors import DomainError
    from salesop.leads.jobs import import_resume
    from salesop.leads.selectors import imports_of

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        sys.exit(_("salesop: no active user named %(name)r (--user).") % {"name": args.user})
    job = imports_of(user).filter(pk=int(args.file) if args.file.isdigit() else None).first()
    if job is None:
        sys.exit(_("salesop: %(user)s has no import %(job)s.") % {"user": user, "job": args.file})
    try:
        job = import_resume(job=job, by=user, queue=False)
    except DomainError as exc:
        sys.exit(f"salesop: {exc.message}")
    if job.committed_row:
        print(_("Resuming after row %(n)d.") % {"n": job.committed_row}, file=sys.stderr)
    _run_and_report(job)


def _run_and_report(job) -> None:
    """Runs the import here with a progress bar, then prints its outcome (exit 1 if failed)."""
    from salesop.leads.imports import import_execute

    def progress(job_, outcome):
        total = job_.total_rows or 1
        done = min(job_.processed_rows, total)
        bar = "#" * int(30 * done / total)
        counts = _("%(done)d/%(total)d rows, %(errors)d with errors") % {
            "done": done,
            "total": total,
            "errors": outcome.error_rows,
        }
        print(
            f"\r[{bar:<30}] {counts}",
            end="",
            file=sys.stderr,
            flush=True,
        )

    print(
        _("Import %(n)d (if it stops: salesop import resume %(n)d --user %(user)s)")
        % {"n": job.pk, "user": job.created_by.username},
        file=sys.stderr,
    )
    job = import_execute(job, progress)
    print(file=sys.stderr)
    if job.dry_run:
        summary = _(
            "%(status)s: would create %(created)d, merge %(merged)d, skip %(skipped)d; "
            "rows with errors %(errors)d"
        )
    else:
        summary = _(
            "%(status)s: created %(created)d, merged %(merged)d, skipped %(skipped)d; "
            "rows with errors %(errors)d"
        )
    print(
        summary
        % {
            "status": job.get_status_display(),
            "created": job.created_count,
            "merged": job.merged_count,
            "skipped": job.skipped_count,
            "errors": job.error_count,
        }
    )
    for error in job.errors[:20]:
        print(
            _("  row %(row)s, %(column)s: %(reason)s")
            % {"row": error["row"], "column": error["column"] or "-", "reason": error["reason"]}
        )
    if job.error_report:
        print(_("error report: %(path)s") % {"path": job.error_report.path})
    if job.message:
        print(job.message)
    if job.status == "failed":
        sys.exit(1)


def cmd_train(args: argparse.Namespace) -> None:
    """Rebuilds the ideal customer profile and the win model, and prints how well each
    predicted the latest deals it was not built from."""
    setup()
    from salesop.customers.profiling import icp_rebuild, win_model_train

    profile = icp_rebuild().report
    if profile["enough_data"]:
        criteria = [
            _("%(attribute)s=%(value)s (lift %(lift).2f, %(deals)d deals)")
            % {
                "attribute": s["attribute"],
                "value": s["value"],
                "lift": s["lift"],
                "deals": s["deals"],
            }
            for s in profile["stats"]
            if s["in_profile"]
        ]
        print(
            _("ICP: base win rate %(rate)s; holdout AUC %(auc).3f on %(n)d later deals")
            % {
                "rate": f"{profile['base_rate']:.1%}",
                "auc": profile["holdout_auc"],
                "n": profile["holdout_deals"],
            }
        )
        print(
            _("  profile: %(criteria)s")
            % {"criteria": "; ".join(criteria) or _("no attribute value beats the base rate")}
        )
    else:
        print(_("ICP: %(message)s") % {"message": profile["message"]})
    model = win_model_train().report
    if model["enough_data"]:
        print(
            _("Win model: holdout AUC %(auc).3f on %(n)d later deals")
            % {"auc": model["holdout_auc"], "n": model["holdout_rows"]}
        )
    else:
        print(_("Win model: %(message)s") % {"message": model["message"]})


def cmd_review(args: argparse.Namespace) -> None:
    """Writes the month's SOP review as XLSX and Word files, prints its summary, and with
    --send tells the managers it is ready."""
    setup()
    from django.conf import settings
    from django.utils import translation

    from salesop.accounts.models import User
    from salesop.core.errors import DomainError
    from salesop.core.time import company_today
    from salesop.insights.documents import review_docx, review_xlsx
    from salesop.insights.review import review
    from salesop.insights.rules import month_asked
    from salesop.insights.services import review_send, reviewer

    period, problem = month_asked(args.month, company_today())
    if problem == "format":
        sys.exit(_("salesop: give the month as YYYY-MM, not %(month)r.") % {"month": args.month})
    if problem == "future":
        sys.exit(_("salesop: %(month)s has not happened yet.") % {"month": args.month})
    if problem == "early":
        sys.exit(_("salesop: give a month from 1970 on, not %(month)s.") % {"month": args.month})
    try:
        user = (
            User.objects.filter(username=args.user, is_active=True).first()
            if args.user
            else reviewer()
        )
    except DomainError as exc:
        sys.exit(f"salesop: {exc.message}")
    if user is None:
        sys.exit(_("salesop: no active user named %(name)r.") % {"name": args.user})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    language = args.language or settings.LANGUAGE_CODE
    with translation.override(language):
        result = review(user, period)
        stem = out / f"sop-review-{period.start:%Y-%m}"
        stem.with_suffix(".xlsx").write_bytes(review_xlsx(result))
        stem.with_suffix(".docx").write_bytes(review_docx(result))
        print(
            _("SOP review %(month)s as seen by %(username)s:")
            % {"month": f"{period.start:%Y-%m}", "username": user.username}
        )
        for figure in result.headline:
            print(
                _("  %(label)s: %(now)s (month before: %(before)s)")
                % {"label": figure.label, "now": figure.now, "before": figure.before}
            )
        print(f"  {result.bottleneck_text}")
        print(f"  {result.grading_text}")
        for number, proposal in enumerate(result.proposals, start=1):
            print(f"  {number}. {proposal.title}")
        print(_("Written: %(files)s") % {"files": f"{stem}.xlsx, {stem}.docx"})
    if args.send:
        sent = review_send(period=period)  # each manager is told in their own language
        with translation.override(language):
            if sent:
                print(_("Sent to %(n)d people.") % {"n": sent.recipients})
            else:
                print(_("Already sent this month."))
