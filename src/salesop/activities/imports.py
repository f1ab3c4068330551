"""Importing past contacts with customers (a CRM's call and meeting log): each on a company
the importer sees, by one of the people the importer sees, at the day (and time, when the file
has one) it happened, optionally on one of the company's deals (by the history file's
opportunity id or the deal's name). The follow-up timers and talk-time figures then start
from the real last contact, not from the day of the import. The same row again is skipped."""

import re
from datetime import date, datetime, time

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import User
from salesop.accounts.selectors import colleagues_by_name
from salesop.activities.models import Activity, ActivityKind, Outcome
from salesop.activities.services import activity_log
from salesop.core.errors import DomainError
from salesop.core.imports import (
    KINDS,
    Choices,
    ImportKind,
    RowError,
    all_or_nothing,
    batches,
    cells,
    checkpoint,
    column_of,
)
from salesop.core.imports import Outcome as Counts
from salesop.core.parsing import ParseError, parse_date
from salesop.core.spreadsheets import Row
from salesop.core.time import company_today, company_zone, day_in_company_time
from salesop.customers.models import Account
from salesop.customers.selectors import company_finder
from salesop.deals.history import FIRST_DAY, import_key
from salesop.deals.models import Deal

FIELDS = {
    "company": 200,
    "kind": 32,
    "subject": 200,
    "occurred": 40,
    "duration": 16,
    "outcome": 32,
    "by": 150,
    "notes": 5000,
    "source_id": 100,
    "deal_name": 200,
}
SYNONYMS = {
    "company": ["company", "company name", "account", "account name", "公司", "公司名称", "客户"],
    "kind": ["type", "activity type", "kind", "类型", "活动类型", "方式", "跟进方式"],
    "subject": ["subject", "title", "主题", "标题"],
    "occurred": ["date", "time", "activity date", "when", "日期", "时间", "跟进时间", "发生时间"],
    "duration": ["duration", "minutes", "duration minutes", "时长", "时长（分钟）", "分钟"],
    "outcome": ["outcome", "result", "结果", "跟进结果"],
    "by": ["owner", "by", "assigned to", "sales agent", "负责人", "销售", "跟进人"],
    "notes": ["notes", "description", "comments", "备注", "内容", "跟进内容", "纪要"],
    "source_id": ["opportunity id", "opportunity", "deal id", "商机编号", "商机id"],
    "deal_name": ["deal", "deal name", "opportunity name", "商机", "商机名称"],
}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def activity_choices() -> dict[str, Choices]:
    """A kind and an outcome are ours, by key or label in either language, or as the import's
    value map says (`--values kind:Phone=call`)."""
    return {
        "kind": Choices.of(ActivityKind, {"phone": "call", "电话": "call", "拜访": "visit"}),
        "outcome": Choices.of(Outcome),
    }


def _moment(text: str, order: str) -> tuple[date, datetime]:
    """A cell's day, and the moment: with its time when it has one ("2024-03-01 14:30"), in
    the company's zone; a day alone is noon of it (or now, today). ParseError when neither."""
    day_text, _sep, clock = text.strip().replace("T", " ").partition(" ")
    day = parse_date(day_text, order)
    if day is None:
        raise ParseError("empty")
    if not clock.strip():
        return day, day_in_company_time(day)
    match = _TIME.match(clock.strip())
    if not match:
        raise ParseError(f"not a time: {clock!r}")
    hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return day, datetime.combine(day, time(hour, minute, second), tzinfo=company_zone())
    except ValueError:
        raise ParseError(f"not a time: {clock!r}") from None


def run_activities(job, rows, progress=None) -> Counts:
    by_default: User = job.created_by
    choices = activity_choices()
    value_map = job.value_map or {}
    people = colleagues_by_name(by_default, active_only=False)
    company = company_finder(by_default)
    seen: set[tuple] = set()
    outcome = Counts.so_far(job)

    def deal_of(account: Account, values: dict) -> Deal | None:
        deals = Deal.objects.visible_to(by_default).filter(account=account)
        if values.get("source_id"):
            key = import_key({"company": account.name, **values}, None, "", "", {})
            return deals.filter(import_key=key).first()
        matches = list(deals.filter(name__iexact=values["deal_name"])[:2])
        return matches[0] if len(matches) == 1 else None

    def process() -> None:
        for batch in batches(rows):
            with checkpoint(job, outcome, batch, progress):
                for row in batch:
                    import_row(row)

    def import_row(row: Row) -> None:
        values, errors = cells(row, job.mapping, FIELDS)

        def error(field: str, reason: str) -> None:
            errors.append(RowError(row.number, column_of(job.mapping, field), reason))

        account = deal = None
        if not values.get("company"):
            error("company", _("the company is empty"))
        else:
            account = company(values["company"])
            if account is None:
                error(
                    "company",
                    _("no company named %(c)r among the companies you see (import them first)")
                    % {"c": values["company"]},
                )
        if account is not None and (values.get("source_id") or values.get("deal_name")):
            deal = deal_of(account, values)
            if deal is None:
                said = values.get("source_id") or values["deal_name"]
                error(
                    "source_id" if values.get("source_id") else "deal_name",
                    _("no deal %(d)r of this company among the deals you see") % {"d": said},
                )
        kind = choices["kind"].read(values.get("kind", ""), value_map.get("kind", {}))
        if kind is None:
            error(
                "kind",
                _("unknown kind %(k)r: map it to one of ours (%(all)s)")
                % {"k": values.get("kind", ""), "all": ", ".join(ActivityKind.values)},
            )
        result = Outcome.NEUTRAL.value
        if values.get("outcome"):
            result = choices["outcome"].read(values["outcome"], value_map.get("outcome", {}))
            if result is None:
                error(
                    "outcome",
                    _("unknown outcome %(o)r: map it to one of ours (%(all)s)")
                    % {"o": values["outcome"], "all": ", ".join(Outcome.values)},
                )
        occurred = None
        try:
            day, occurred = _moment(values.get("occurred", ""), job.date_order)
        except ParseError:
            error(
                "occurred",
                _("not a date and time: %(v)s (use 2024-03-01 14:30, or a day alone)")
                % {"v": values.get("occurred", "")},
            )
        else:
            if not FIRST_DAY <= day <= company_today():
                error("occurred", _("a date from 1970-01-01 to today"))
        minutes = 0
        if values.get("duration"):
            text = values["duration"].removesuffix("分钟").removesuffix("min").strip()
            if not text.isdigit() or int(text) > 24 * 60:
                error(
                    "duration",
                    _("not a number of minutes from 0 to 1440: %(v)s") % {"v": values["duration"]},
                )
            else:
                minutes = int(text)
        by = by_default
        if values.get("by"):
            by = people.get(values["by"].casefold())
            if by is None:
                error(
                    "by",
                    _("no user named %(u)r among the people you see") % {"u": values["by"]},
                )
        if errors:
            outcome.errors.extend(errors)
            return
        subject = values.get("subject") or str(ActivityKind(kind).label)
        key = (account.pk, kind, occurred, subject, by.pk)
        if (
            key in seen
            or Activity.objects.filter(
                account=account, kind=kind, occurred_at=occurred, subject=subject, by=by
            ).exists()
        ):
            seen.add(key)
            outcome.skipped += 1
            return
        seen.add(key)
        if not job.dry_run:
            try:
                activity_log(
                    by=by, account=account, deal=deal, kind=kind, subject=subject,
                    outcome=result, occurred_at=occurred, duration_minutes=minutes,
                    notes=values.get("notes", ""),
                )  # fmt: skip
            except DomainError as refused:
                for name, reason in (refused.fields or {"company": refused.message}).items():
                    field = {"occurred_at": "occurred", "duration_minutes": "duration"}.get(
                        name, name
                    )
                    outcome.errors.append(
                        RowError(row.number, column_of(job.mapping, field), str(reason))
                    )
                return
        outcome.created += 1

    return all_or_nothing(job, outcome, process)


KINDS["activities"] = ImportKind(
    label=gettext_lazy("Activities (calls, meetings, visits)"),
    fields=FIELDS,
    required=("company", "kind", "occurred"),
    synonyms=SYNONYMS,
    run=run_activities,
    choices=activity_choices,
)
