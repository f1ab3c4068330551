"""Importing a company's past: historical deals (company, owner, product, amount, the stage
reached, won or lost with dates and reason) from a spreadsheet, so the ideal customer profile,
the win model and the reports work from the first day. Each row is a deal, marked as imported,
with the stages it reached and its opening and closing dates: no time in a stage is invented."""

import hashlib
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.accounts.selectors import colleagues_visible_to
from salesop.accounts.services import person_create
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
from salesop.core.money import Currency
from salesop.core.parsing import ParseError, parse_date, parse_decimal
from salesop.core.spreadsheets import Row
from salesop.core.time import company_today, day_in_company_time
from salesop.customers.models import Account, EmployeeBand
from salesop.customers.rules import (
    EMPLOYEE_WORDS,
    INDUSTRY_WORDS,
    REGION_WORDS,
    employee_band,
    normalize_company,
)
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


def run_history(job, rows, progress=None) -> Outcome:
    playbook = active_playbook()
    version = active_version()
    order = job.date_order
    mapping = job.mapping
    choices = history_choices()
    stage_map = (job.value_map or {}).get("stage", {})
    product_map = (job.value_map or {}).get("product", {})
    products = {p.code: p for p in Product.objects.all()}
    reasons = {}
    for reason in playbook.lost_reasons:
        for word in (reason.key, reason.label.zh, reason.label.en):
            reasons[word.casefold()] = reason.key
    users = {}
    for user in colleagues_visible_to(job.created_by, active_only=False):
        users[user.username.casefold()] = user
        if user.full_name:
            users.setdefault(user.full_name.casefold(), user)
    outcome = Outcome.so_far(job)
    stages = [s.key for s in playbook.stages]
    # deals earlier imports brought in, and this file's own: a row with one of their keys is
    # already here (the same file imported twice doubled revenue and win counts)
    imported = set(Deal.objects.exclude(import_key=None).values_list("import_key", flat=True))

    def process() -> None:
        for batch in batches(rows):
            with checkpoint(job, outcome, batch, progress):
                for row in batch:
                    import_row(row)

    def import_row(row: Row) -> None:
        values, errors = cells(row, mapping, FIELDS)
        raw = {f: row.values.get(c) for c, f in mapping.items() if f}

        def col(field):
            return column_of(mapping, field)

        if not values.get("company"):
            errors.append(RowError(row.number, col("company"), _("the company is empty")))
        owner = None
        if values.get("owner"):
            owner = _owner(values["owner"], users, job.create_owners, job.dry_run)
            if owner is None:
                errors.append(
                    RowError(
                        row.number,
                        col("owner"),
                        _(
                            "no user named %(u)r among the people you see (import with "
                            "“create missing owners” to add them as users without a login)"
                        )
                        % {"u": values["owner"]},
                    )
                )
        product = None
        if values.get("product"):
            code = choices["product"].read(values["product"], product_map)
            product = products.get(code or "")
            if product is None:
                errors.append(
                    RowError(
                        row.number,
                        col("product"),
                        _(
                            "unknown product %(p)r: add it to the products, or map it to "
                            "one of ours (%(all)s)"
                        )
                        % {"p": values["product"], "all": ", ".join(products) or "-"},
                    )
                )
        try:
            amount = parse_decimal(raw.get("amount"))
            if amount is not None and amount < 0:
                raise ParseError("negative")
        except ParseError:
            amount = None
            errors.append(
                RowError(
                    row.number,
                    col("amount"),
                    _("not an amount: %(v)s") % {"v": values.get("amount")},
                )
            )
        dates = {}
        for name in ("created", "closed"):
            try:
                dates[name] = parse_date(raw.get(name), order)
            except ParseError:
                errors.append(
                    RowError(
                        row.number,
                        col(name),
                        _("not a date (use 2024-03-01, 2024/3/1, or declare the day-first order)"),
                    )
                )
        word = values.get("outcome", "").casefold()
        status = (
            DealStatus.WON
            if word in WON
            else DealStatus.LOST
            if word in LOST
            else (DealStatus.OPEN if not word or word in {"open", "进行中"} else None)
        )
        if status is None:
            errors.append(RowError(row.number, col("outcome"), _("use won, lost or open")))
        stage = stages[-1 if status == DealStatus.WON else 0]
        if values.get("stage"):
            # the stage reached, or (a file with no outcome column) won or lost
            said = choices["stage"].read(values["stage"], stage_map)
            if said is None:
                errors.append(
                    RowError(
                        row.number,
                        col("stage"),
                        _("unknown stage %(s)r: map it to one of ours (%(all)s)")
                        % {"s": values["stage"], "all": ", ".join(stages)},
                    )
                )
            elif said in (DealStatus.WON, DealStatus.LOST):
                if word and status != said:
                    errors.append(
                        RowError(
                            row.number,
                            col("stage"),
                            _("the stage says %(s)s, the outcome %(o)s")
                            % {"s": values["stage"], "o": values["outcome"]},
                        )
                    )
                status = DealStatus(said)
                stage = stages[-1 if status == DealStatus.WON else 0]
            else:
                stage = said
        reason = ""
        if status == DealStatus.LOST:
            # a reason the playbook does not know is "other"; none is "not recorded" (""),
            # which the reports show as such and the review proposes nothing from
            given = values.get("lost_reason", "").casefold()
            reason = reasons.get(given, "other") if given else ""
        currency = (values.get("currency") or "CNY").upper()
        if currency not in Currency.values:
            errors.append(RowError(row.number, col("currency"), _("unknown currency")))
        band = employee_band(values.get("employee_band"))
        if band is None:
            errors.append(
                RowError(
                    row.number,
                    col("employee_band"),
                    _("%(value)r is neither a head count nor one of: %(v)s")
                    % {"value": values["employee_band"], "v": ", ".join(EmployeeBand.values)},
                )
            )
        else:
            values["employee_band"] = band
        if status in (DealStatus.WON, DealStatus.LOST) and not dates.get("closed"):
            errors.append(
                RowError(row.number, col("closed"), _("a won or lost deal needs its closing date"))
            )
        for name, day in dates.items():
            if day and not FIRST_DAY <= day <= company_today():
                errors.append(RowError(row.number, col(name), _("a date from 1970-01-01 to today")))
        if dates.get("created") and dates.get("closed") and dates["created"] > dates["closed"]:
            errors.append(
                RowError(
                    row.number,
                    col("created"),
                    _("after the closing date %(d)s") % {"d": dates["closed"].isoformat()},
                )
            )
        if errors:
            outcome.errors.extend(errors)
            return
        owner = owner or job.created_by
        key = import_key(values, amount, currency, status, dates)
        if key in imported:
            outcome.skipped += 1
        elif job.dry_run:
            imported.add(key)
            outcome.created += 1
        else:
            imported.add(key)
            try:
                with transaction.atomic():  # a concurrent import took it first: skipped
                    _save(
                        key, values, owner, product, amount, currency, stage, status, reason,
                        dates, version, stages, job,
                    )  # fmt: skip
            except IntegrityError:
                if not Deal.objects.filter(import_key=key).exists():
                    raise
                outcome.skipped += 1
            else:
                outcome.created += 1

    return all_or_nothing(job, outcome, process)


def _save(
    key, values, owner, product, amount, currency, stage, status, reason, dates, version, stages,
    job,
) -> Deal:  # fmt: skip
    company_key = normalize_company(values["company"])
    account = Account.objects.filter(normalized_name=company_key).first()
    if account is None:
        account = Account.objects.create(
            name=values["company"],
            normalized_name=company_key,
            owner=owner,
            team=owner.team,
            industry=values.get("industry", ""),
            region=values.get("region", ""),
            employee_band=values.get("employee_band", ""),
            lifecycle="customer" if status == DealStatus.WON else "prospect",
        )
    closed = day_in_company_time(dates["closed"]) if dates.get("closed") else None
    created = (
        day_in_company_time(dates["created"])
        if dates.get("created")
        else ((closed or timezone.now()) - timedelta(days=60))
    )
    name = values.get("deal_name") or values.get("product") or values["company"]
    reached = stages.index(stage)
    final_stage = {DealStatus.WON: "won", DealStatus.LOST: "lost"}.get(status, stage)
    deal = Deal.objects.create(
        name=name[:200],
        account=account,
        owner=owner,
        team=owner.team,
        amount=amount,
        currency=currency,
        stage=final_stage,
        status=status,
        playbook_version=version,
        probability=100 if status == DealStatus.WON else 0 if status == DealStatus.LOST else 10,
        lost_reason=reason,
        closed_at=closed,
        created_at=created,
        stage_entered_at=closed or created,
        expected_close_date=dates.get("closed"),
        import_key=key,
    )
    if product is not None:
        DealLine.objects.create(deal=deal, product=product, amount=amount, currency=currency)
    # The file says which stage the deal reached, not when it entered each one: the stages it
    # passed are recorded as reached when it opened, with no time measured in any, and the
    # reports that measure time in a stage leave imported deals out. (An even spread of the
    # cycle over the stages made the monthly review name a bottleneck nobody measured.)
    path = stages[: reached + 1]
    events = [
        StageEvent(
            deal=deal,
            kind=StageEventKind.CREATED,
            to_stage=path[0],
            at=created,
            by=job.created_by,
            reason="imported",
            playbook_version=version,
        )
    ]
    for i in range(1, len(path)):
        events.append(
            StageEvent(
                deal=deal,
                kind=StageEventKind.MOVED,
                from_stage=path[i - 1],
                to_stage=path[i],
                at=created + timedelta(microseconds=i),  # in order, at the opening
                by=job.created_by,
                reason="imported",
                playbook_version=version,
            )
        )
    if closed:
        events.append(
            StageEvent(
                deal=deal,
                kind=StageEventKind.WON if status == DealStatus.WON else StageEventKind.LOST,
                from_stage=path[-1],
                to_stage=final_stage,
                at=closed,
                by=job.created_by,
                reason=reason,
                playbook_version=version,
            )
        )
    history_imported(events)
    return deal


KINDS["deals"] = ImportKind(
    label=gettext_lazy("Historical deals (won, lost, open)"),
    fields=FIELDS,
    required=("company",),
    synonyms=SYNONYMS,
    run=run_history,
    choices=history_choices,
    allowed=may_import_history,
)
