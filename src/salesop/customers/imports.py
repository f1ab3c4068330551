"""Importing companies from a spreadsheet (a CRM's account export): matched by normalised
name, then skipped, merged (empty fields filled) or created, per row."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.selectors import colleagues_visible_to
from salesop.core.imports import (
    KINDS,
    ImportKind,
    Outcome,
    RowError,
    all_or_nothing,
    batches,
    cells,
    checkpoint,
    column_of,
)
from salesop.core.spreadsheets import Row
from salesop.customers.models import Account, EmployeeBand, Tier
from salesop.customers.rules import (
    EMPLOYEE_WORDS,
    INDUSTRY_WORDS,
    REGION_WORDS,
    employee_band,
    normalize_company,
)

FIELDS = {
    "company": 200,
    "industry": 100,
    "region": 100,
    "website": 200,
    "employee_band": 16,
    "tier": 16,
    "owner": 150,
}
SYNONYMS = {
    "company": ["company", "account", "name", "公司", "公司名称", "客户", "客户名称"],
    "industry": INDUSTRY_WORDS,
    "region": REGION_WORDS,
    "website": ["website", "url", "网站", "官网"],
    "employee_band": EMPLOYEE_WORDS,
    "tier": ["tier", "level", "客户等级", "等级"],
    "owner": ["owner", "负责人", "销售"],
}
TIERS = {"战略客户": "strategic", "重点客户": "key", "普通客户": "standard"}


def run_accounts(job, rows, progress=None) -> Outcome:
    users = {}  # the importer's people: a rep names only themselves, a manager their team
    for user in colleagues_visible_to(job.created_by, active_only=False):
        users[user.username.casefold()] = user
        if user.full_name:
            users.setdefault(user.full_name.casefold(), user)
    outcome = Outcome.so_far(job)
    seen: set[str] = set()

    def process() -> None:
        for batch in batches(rows):
            with checkpoint(job, outcome, batch, progress):
                for row in batch:
                    import_row(row)

    def import_row(row: Row) -> None:
        values, errors = cells(row, job.mapping, FIELDS)

        def col(field):
            return column_of(job.mapping, field)

        key = normalize_company(values.get("company", ""))
        if not key:
            errors.append(RowError(row.number, col("company"), _("the company is empty")))
        tier = TIERS.get(values.get("tier", ""), values.get("tier", "") or "standard")
        if tier not in Tier.values:
            errors.append(
                RowError(
                    row.number,
                    col("tier"),
                    _("use one of: %(v)s") % {"v": ", ".join(Tier.values)},
                )
            )
        band = employee_band(values.get("employee_band"))
        if band is None:
            band = ""
            errors.append(
                RowError(
                    row.number,
                    col("employee_band"),
                    _("%(value)r is neither a head count nor one of: %(v)s")
                    % {"value": values["employee_band"], "v": ", ".join(EmployeeBand.values)},
                )
            )
        owner = job.created_by
        if values.get("owner"):
            owner = users.get(values["owner"].casefold())
            if owner is None:
                errors.append(
                    RowError(
                        row.number,
                        col("owner"),
                        _("no active user named %(u)r") % {"u": values["owner"]},
                    )
                )
        if errors:
            outcome.errors.extend(errors)
            return
        in_file = key in seen
        seen.add(key)
        twin = None if in_file else Account.objects.filter(normalized_name=key).first()
        # a company the file names again is skipped when merging too (as leads are): merge
        # mode created it twice
        if (in_file and job.dedupe != "create") or (twin and job.dedupe == "skip"):
            outcome.skipped += 1
            return
        fields = {
            "industry": values.get("industry", ""),
            "region": values.get("region", ""),
            "website": values.get("website", ""),
            "employee_band": band,
            "tier": tier,
        }
        if twin and job.dedupe == "merge":
            for name, value in fields.items():
                if value and not getattr(twin, name):
                    setattr(twin, name, value)
            if not job.dry_run:
                twin.save()
            outcome.merged += 1
            return
        if not job.dry_run:
            Account.objects.create(
                name=values["company"],
                normalized_name=key,
                owner=owner,
                team=owner.team,
                **fields,
            )
        outcome.created += 1

    return all_or_nothing(job, outcome, process)


KINDS["accounts"] = ImportKind(
    label=gettext_lazy("Companies"),
    fields=FIELDS,
    required=("company",),
    synonyms=SYNONYMS,
    run=run_accounts,
)
