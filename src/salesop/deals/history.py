"""Importing a company's past: historical deals (company, owner, product, amount, the stage
reached, won or lost with dates and reason) from a spreadsheet, so the ideal customer profile,
the win model and the reports work from the first day. Each row is a deal, marked as imported,
with the stages it reached and its opening and closing dates: no time in a stage is invented."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.accounts.selectors import colleagues_by_name
from salesop.accounts.services import person_create
from salesop.core.audit import audit_created
from salesop.core.imports import (
    KINDS,
    Choices,
    ImportKind,
    Outcome,
    RowError,
    all_or_nothing,
    batches,
    cells,
    checkpoint,
    column_of,
)
from salesop.core.money import MAX_AMOUNT, Currency, format_money, in_minor_units, minor_unit
from salesop.core.parsing import ParseError, parse_date, parse_decimal
from salesop.core.spreadsheets import Row
from salesop.core.time import company_today, day_in_company_time
from salesop.core.versioned import versioned_update
from salesop.customers.models import Account, EmployeeBand, Lifecycle
from salesop.customers.rules import (
    EMPLOYEE_WORDS,
    INDUSTRY_WORDS,
    REGION_WORDS,
    employee_band,
    normalize_company,
)
from salesop.customers.services import STALE as ACCOUNT_STALE
from salesop.deals.events import history_imported
from salesop.deals.models import Deal, DealLine, DealStatus, StageEvent, StageEventKind
from salesop.deals.rules import may_import_history
from salesop.playbook.selectors import active_playbook, active_version
from salesop.pricing.models import Product

FIELDS = {
    "company": 200,
    "industry": 100,
    "region": 100,
    "employee_band": 16,
    "owner": 150,
    "deal_name": 200,
    "product": 200,
    "amount": 40,
    "currency": 3,
    "stage": 64,
    "outcome": 16,
    "created": 40,
    "closed": 40,
    "lost_reason": 64,
    "source_id": 64,
}
SYNONYMS = {
    "company": ["company", "customer", "account", "客户", "公司", "客户名称", "公司名称"],
    "industry": INDUSTRY_WORDS,
    "region": REGION_WORDS,
    "employee_band": EMPLOYEE_WORDS,
    "owner": ["owner", "sales", "rep", "sales agent", "agent", "负责人", "销售", "销售代表"],
    "deal_name": ["deal", "opportunity", "商机", "商机名称", "项目"],
    "product": ["product", "产品"],
    "amount": ["amount", "value", "close value", "deal value", "金额", "合同金额"],
    "currency": ["currency", "币种"],
    "stage": ["stage", "deal stage", "stage reached", "阶段", "最终阶段"],
    "outcome": ["outcome", "result", "status", "结果", "状态"],
    "created": ["created", "opened", "start", "engage date", "创建日期", "开始日期"],
    "closed": ["closed", "close date", "end", "结束日期", "成交日期", "关闭日期"],
    "lost_reason": ["lost reason", "reason", "输单原因", "原因"],
    "source_id": [
        "id", "opportunity id", "opportunity_id", "deal id", "deal_id", "source id",
        "商机编号", "商机ID", "编号",
    ],
}  # fmt: skip
WON = {"won", "win", "赢单", "成交", "签约", "赢"}
LOST = {"lost", "lose", "输单", "丢单", "失败", "输"}


FIRST_DAY = date(1970, 1, 1)  # the earliest date a historical deal may carry


def _owner(name: str, users: dict[str, User], create: bool, dry_run: bool) -> User | None:
    """The user a row names among those the importer sees, by user name or full name; with
    `create`, someone new is made active without a login, so they count in the reports of
    their period (a dry run makes no one: one created 30 users)."""
    found = users.get(name.casefold())
    if found or not create:
        return found
    users[name.casefold()] = (
        User(username=name, full_name=name) if dry_run else person_create(full_name=name)
    )
    return users[name.casefold()]


def import_key(values: dict, amount, currency: str, status: str, dates: dict) -> str:
    """The deal's natural key: the file's own id for it with its company when a column holds
    one (two offices' files that both number their rows 1, 2, 3 are different deals), else
    what tells two deals apart in a file without ids (company, name, dates, amount to the
    cent however written, outcome)."""
    company = normalize_company(values["company"])
    if values.get("source_id"):
        natural = "id:" + values["source_id"].casefold() + "|" + company
    else:
        natural = "row:" + "|".join(
            str(part)
            for part in (
                company,
                (values.get("deal_name") or values.get("product") or "").casefold(),
                dates.get("created") or "",
                dates.get("closed") or "",
                f"{amount:.2f}" if amount is not None else "",
                currency,
                status,
            )
        )
    return hashlib.sha256(natural.encode()).hexdigest()


def history_choices() -> dict[str, Choices]:
    """A deal's stage is one of the playbook's, or won or lost (a file whose stage column
    says how the deal ended); known by key or label in either language. Its product is one
    of the catalogue's, by code or name."""
    playbook = active_playbook()
    language = get_language() or "zh-hans"
    # a stage's own name first: 签约 is the contracting stage before it is a win
    words = dict.fromkeys(WON, DealStatus.WON.value) | dict.fromkeys(LOST, DealStatus.LOST.value)
    for stage in playbook.stages:
        for word in (stage.key, stage.label.zh, stage.label.en):
            words[word.casefold()] = stage.key
    options = [(stage.key, stage.label.get(language)) for stage in playbook.stages]
    options += [(DealStatus.WON.value, _("won")), (DealStatus.LOST.value, _("lost"))]
    products = list(Product.objects.order_by("code").values_list("code", "name"))
    product_words = {name.casefold(): code for code, name in products}
    product_words |= {code.casefold(): code for code, _name in products}
    return {
        "stage": Choices(options=options, words=words),
        "product": Choices(options=products, words=product_words),
    }


@dataclass
class _Past:
    """One valid row: a past deal ready to be written."""

    key: str
    values: dict
    owner: User
    product: Product | None
    amount: Decimal | None
    currency: str
    stage: str  # the last playbook stage it reached
    status: DealStatus
    reason: str
    dates: dict


class _Reader:
    """Reads a row into a past deal or its errors, with what that needs looked up once per run:
    the playbook's stages and loss reasons, the catalogue, the people the importer sees, and
    the value maps and date order the import was given."""

    def __init__(self, job):
        playbook = active_playbook()
        self.job = job
        self.stages = [s.key for s in playbook.stages]
        self.choices = history_choices()
        self.value_map = job.value_map or {}
        self.products = {p.code: p for p in Product.objects.all()}
        self.reasons = {}
        for reason in playbook.lost_reasons:
            for word in (reason.key, reason.label.zh, reason.label.en):
                self.reasons[word.casefold()] = reason.key
        self.users = colleagues_by_name(job.created_by, active_only=False)

    def read(self, row: Row) -> tuple[_Past | None, list[RowError]]:
        values, errors = cells(row, self.job.mapping, FIELDS)
        raw = {f: row.values.get(c) for c, f in self.job.mapping.items() if f}

        def error(field: str, reason: str) -> None:
            errors.append(RowError(row.number, column_of(self.job.mapping, field), reason))

        if not values.get("company"):
            error("company", _("the company is empty"))
        owner = self._owner(values, error)
        product = self._product(values, error)
        currency = (values.get("currency") or "CNY").upper()
        if currency not in Currency.values:
            error("currency", _("unknown currency"))
        try:
            amount = parse_decimal(raw.get("amount"))
            if amount is not None and not 0 <= amount <= MAX_AMOUNT:
                raise ParseError("out of range")
        except ParseError:
            amount = None
            error("amount", _("not an amount: %(v)s") % {"v": values.get("amount")})
        else:
            if amount is not None and currency in Currency.values:
                if in_minor_units(amount, currency):
                    amount = amount.quantize(Decimal("0.01"))
                else:  # 0.001 was kept as a won deal of 0.00
                    error(
                        "amount",
                        _("%(v)s is finer than %(unit)s")
                        % {
                            "v": values.get("amount"),
                            "unit": format_money(minor_unit(currency), currency),
                        },
                    )
        dates = self._dates(raw, error)
        status, stage, reason = self._ending(values, error)
        band = employee_band(values.get("employee_band"))
        if band is None:
            error(
                "employee_band",
                _("%(value)r is neither a head count nor one of: %(v)s")
                % {"value": values["employee_band"], "v": ", ".join(EmployeeBand.values)},
            )
        else:
            values["employee_band"] = band
        if status in (DealStatus.WON, DealStatus.LOST) and not values.get("closed"):
            # (a closing date that is not a date is said once, above)
            error("closed", _("a won or lost deal needs its closing date"))
        if errors:
            return None, errors
        key = import_key(values, amount, currency, status, dates)
        owner = owner or self.job.created_by
        return _Past(
            key, values, owner, product, amount, currency, stage, status, reason, dates
        ), []

    def _owner(self, values: dict, error) -> User | None:
        if not values.get("owner"):
            return None
        owner = _owner(values["owner"], self.users, self.job.create_owners, self.job.dry_run)
        if owner is None:
            error(
                "owner",
                _(
                    "no user named %(u)r among the people you see (import with "
                    "“create missing owners” to add them as users without a login)"
                )
                % {"u": values["owner"]},
            )
        return owner

    def _product(self, values: dict, error) -> Product | None:
        if not values.get("product"):
            return None
        code = self.choices["product"].read(values["product"], self.value_map.get("product", {}))
        product = self.products.get(code or "")
        if product is None:
            error(
                "product",
                _(
                    "unknown product %(p)r: add it to the products, or map it to "
                    "one of ours (%(all)s)"
                )
                % {"p": values["product"], "all": ", ".join(self.products) or "-"},
            )
        return product

    def _dates(self, raw: dict, error) -> dict:
        dates = {}
        for name in ("created", "closed"):
            try:
                dates[name] = parse_date(raw.get(name), self.job.date_order)
            except ParseError:
                error(
                    name, _("not a date (use 2024-03-01, 2024/3/1, or declare the day-first order)")
                )
            else:
                if dates[name] and not FIRST_DAY <= dates[name] <= company_today():
                    error(name, _("a date from 1970-01-01 to today"))
        if dates.get("created") and dates.get("closed") and dates["created"] > dates["closed"]:
            error("created", _("after the closing date %(d)s") % {"d": dates["closed"].isoformat()})
        return dates

    def _ending(self, values: dict, error) -> tuple[DealStatus | None, str, str]:
        """How the deal ended (won, lost, open), the last stage it reached, and why it was lost
        ("" when not recorded, which the reports show as such and the review proposes nothing
        from; a reason the playbook does not know is "other")."""
        word = values.get("outcome", "").casefold()
        if word in WON:
            status = DealStatus.WON
        elif word in LOST:
            status = DealStatus.LOST
        elif not word or word in {"open", "进行中"}:
            status = DealStatus.OPEN
        else:
            status = None
            error("outcome", _("use won, lost or open"))
        stage = self.stages[-1 if status == DealStatus.WON else 0]
        if values.get("stage"):
            # the stage reached, or (a file with no outcome column) won or lost
            said = self.choices["stage"].read(values["stage"], self.value_map.get("stage", {}))
            if said is None:
                error(
                    "stage",
                    _("unknown stage %(s)r: map it to one of ours (%(all)s)")
                    % {"s": values["stage"], "all": ", ".join(self.stages)},
                )
            elif said in (DealStatus.WON, DealStatus.LOST):
                if word and status != said:
                    error(
                        "stage",
                        _("the stage says %(s)s, the outcome %(o)s")
                        % {"s": values["stage"], "o": values["outcome"]},
                    )
                status = DealStatus(said)
                stage = self.stages[-1 if status == DealStatus.WON else 0]
            else:
                stage = said
        given = values.get("lost_reason", "").casefold()
        reason = self.reasons.get(given, "other") if status == DealStatus.LOST and given else ""
        return status, stage, reason


def run_history(job, rows, progress=None) -> Outcome:
    """Imports the rows in checkpointed batches: each batch's valid rows that are not here yet
    are written together (a few INSERTs per batch, not a dozen statements per row)."""
    reader = _Reader(job)
    outcome = Outcome.so_far(job)
    # deals earlier imports brought in, and this file's own: a row with one of their keys is
    # already here (the same file imported twice doubled revenue and win counts)
    imported = set(Deal.objects.exclude(import_key=None).values_list("import_key", flat=True))

    def process() -> None:
        for batch in batches(rows):
            with checkpoint(job, outcome, batch, progress):
                ready = []
                for row in batch:
                    past, errors = reader.read(row)
                    if errors:
                        outcome.errors.extend(errors)
                    elif past.key in imported:
                        outcome.skipped += 1
                    else:
                        imported.add(past.key)
                        ready.append(past)
                written = len(ready) if job.dry_run else _write(ready, job, reader.stages)
                outcome.created += written
                outcome.skipped += len(ready) - written

    return all_or_nothing(job, outcome, process)


def _write(ready: list[_Past], job, stages: list[str]) -> int:
    """Writes the batch's past deals; a deal a concurrent import wrote first is left out (the
    batch is written again without it). Returns how many were written."""
    while ready:
        try:
            with transaction.atomic():
                _write_batch(ready, job, stages)
            return len(ready)
        except IntegrityError:
            keys = [past.key for past in ready]
            taken = set(
                Deal.objects.filter(import_key__in=keys).values_list("import_key", flat=True)
            )
            if not taken:
                raise
            ready = [past for past in ready if past.key not in taken]
    return 0


def _write_batch(ready: list[_Past], job, stages: list[str]) -> None:
    version = active_version()
    by = job.created_by
    accounts = {}
    for account in Account.objects.filter(
        normalized_name__in={normalize_company(past.values["company"]) for past in ready}
    ).order_by("pk"):
        accounts.setdefault(account.normalized_name, account)
    new_accounts = []
    for past in ready:
        company_key = normalize_company(past.values["company"])
        if company_key not in accounts:
            accounts[company_key] = Account(
                name=past.values["company"],
                normalized_name=company_key,
                owner=past.owner,
                team=past.owner.team,
                industry=past.values.get("industry", ""),
                region=past.values.get("region", ""),
                employee_band=past.values.get("employee_band", ""),
                lifecycle=Lifecycle.CUSTOMER
                if past.status == DealStatus.WON
                else Lifecycle.PROSPECT,
            )
            new_accounts.append(accounts[company_key])
    audit_created(Account.objects.bulk_create(new_accounts), by=by)
    # a company already here (from a companies import) that this history shows won is a
    # customer now, as one the history itself brings in is: it stayed a prospect
    won = {
        accounts[normalize_company(past.values["company"])]
        for past in ready
        if past.status == DealStatus.WON
    }
    for account in won:
        if account.lifecycle == Lifecycle.PROSPECT:
            versioned_update(account, by=by, stale=ACCOUNT_STALE, lifecycle=Lifecycle.CUSTOMER)
    deals = Deal.objects.bulk_create(
        _deal(past, accounts[normalize_company(past.values["company"])], version, stages)
        for past in ready
    )
    audit_created(deals, by=by)
    DealLine.objects.bulk_create(
        DealLine(deal=deal, product=past.product, amount=past.amount, currency=past.currency)
        for deal, past in zip(deals, ready, strict=True)
        if past.product is not None
    )
    history_imported(
        [
            event
            for deal, past in zip(deals, ready, strict=True)
            for event in _stage_events(deal, past, stages, version, by)
        ]
    )


def _deal(past: _Past, account: Account, version, stages: list[str]) -> Deal:
    closed, created = _opened_and_closed(past.dates)
    return Deal(
        name=(past.values.get("deal_name") or past.values.get("product") or past.values["company"])[
            :200
        ],
        account=account,
        owner=past.owner,
        team=past.owner.team,
        amount=past.amount,
        currency=past.currency,
        stage={DealStatus.WON: "won", DealStatus.LOST: "lost"}.get(past.status, past.stage),
        status=past.status,
        playbook_version=version,
        probability={DealStatus.WON: 100, DealStatus.LOST: 0}.get(past.status, 10),
        lost_reason=past.reason,
        closed_at=closed,
        created_at=created,
        stage_entered_at=closed or created,
        expected_close_date=past.dates.get("closed"),
        import_key=past.key,
        opened_unknown=not past.dates.get("created"),
    )


def _opened_and_closed(dates: dict):
    """When the deal closed (None: open) and when it opened: as the file says, or (no opening
    date) when it closed or, open, now: never a made-up cycle (`Deal.opened_unknown`)."""
    closed = day_in_company_time(dates["closed"]) if dates.get("closed") else None
    if dates.get("created"):
        return closed, day_in_company_time(dates["created"])
    return closed, closed or timezone.now()


def _stage_events(deal: Deal, past: _Past, stages: list[str], version, by) -> list[StageEvent]:
    """The file says which stage the deal reached, not when it entered each one: the stages it
    passed are recorded as reached when it opened, with no time measured in any, and the
    reports that measure time in a stage leave imported deals out. (An even spread of the
    cycle over the stages made the monthly review name a bottleneck nobody measured.)"""
    path = stages[: stages.index(past.stage) + 1]
    common = {"deal": deal, "by": by, "playbook_version": version}
    events = [
        StageEvent(
            kind=StageEventKind.CREATED,
            to_stage=path[0],
            at=deal.created_at,
            reason="imported",
            **common,
        )
    ]
    for i in range(1, len(path)):
        events.append(
            StageEvent(
                kind=StageEventKind.MOVED,
                from_stage=path[i - 1],
                to_stage=path[i],
                at=deal.created_at + timedelta(microseconds=i),  # in order, at the opening
                reason="imported",
                **common,
            )
        )
    if deal.closed_at:
        events.append(
            StageEvent(
                kind=StageEventKind.WON if past.status == DealStatus.WON else StageEventKind.LOST,
                from_stage=path[-1],
                to_stage=deal.stage,
                # after the moves even when the file gave no opening date (opened as it closed)
                at=max(deal.closed_at, events[-1].at + timedelta(microseconds=1)),
                reason=past.reason,
                **common,
            )
        )
    return events


KINDS["deals"] = ImportKind(
    label=gettext_lazy("Historical deals (won, lost, open)"),
    fields=FIELDS,
    required=("company",),
    synonyms=SYNONYMS,
    run=run_history,
    choices=history_choices,
    allowed=may_import_history,
)
