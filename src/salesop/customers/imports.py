"""Importing companies (a CRM's account export: matched by normalised name, then skipped,
merged or created, per row) and the people at them (contacts: matched by email or phone)."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.selectors import colleagues_by_name
from salesop.core.errors import DomainError
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
from salesop.core.spreadsheets import Row
from salesop.core.versioned import versioned_update
from salesop.customers.models import Account, Contact, DecisionRole, EmployeeBand, Tier
from salesop.customers.rules import (
    ALREADY_HERE,
    EMPLOYEE_WORDS,
    INDUSTRY_WORDS,
    REGION_WORDS,
    employee_band,
    normalize_company,
    normalize_email,
    normalize_phone,
)
from salesop.customers.selectors import company_finder
from salesop.customers.services import CONTACT_STALE, account_update, contact_create

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
    # the importer's people: a rep names only themselves, a manager their team
    users = colleagues_by_name(job.created_by, active_only=False)
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
        if values.get("website"):
            # checked as the company form checks it: a javascript: address became a link
            website = values["website"]
            if "://" not in website:
                website = f"https://{website}"
            try:
                if len(website) > FIELDS["website"]:
                    raise ValidationError("too long")
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                errors.append(
                    RowError(
                        row.number,
                        col("website"),
                        _("not a web address: %(v)s") % {"v": values["website"]},
                    )
                )
            values["website"] = website
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
        twin = None
        if not in_file:
            twins = Account.objects.filter(normalized_name=key).order_by("pk")
            twin = twins.visible_to(job.created_by).first() or twins.first()
        if twin and not Account.objects.seen_by(job.created_by, twin.pk):
            # another team's company: refused as the company form refuses it (a merge filled
            # it and a skip counted it as the importer's)
            outcome.errors.append(
                RowError(
                    row.number,
                    col("company"),
                    str(ALREADY_HERE),
                )
            )
            return
        fields = {
            "industry": values.get("industry", ""),
            "region": values.get("region", ""),
            "website": values.get("website", ""),
            "employee_band": band,
            "tier": tier,
        }
        # filled as an edit of the company is (checked, audited as the importer's); a row
        # with nothing to fill in is skipped, not counted as merged
        empty = {k: v for k, v in fields.items() if v and twin and not getattr(twin, k)}
        # a company the file names again is skipped when merging too (as leads are): merge
        # mode created it twice
        if (in_file and job.dedupe != "create") or (
            twin and (job.dedupe == "skip" or job.dedupe == "merge" and not empty)
        ):
            outcome.skipped += 1
            return
        if twin and job.dedupe == "merge":
            if not job.dry_run:
                try:
                    account_update(account=twin, by=job.created_by, **empty)
                except DomainError as refused:
                    for name, reason in (refused.fields or {"company": refused.message}).items():
                        outcome.errors.append(RowError(row.number, col(name), str(reason)))
                    return
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


CONTACT_FIELDS = {
    "company": 200,
    "name": 100,
    "title": 100,
    "phone": 40,
    "email": 254,
    "wechat": 64,
    "decision_role": 16,
}
CONTACT_SYNONYMS = {
    "company": ["company", "company name", "account", "account name", "公司", "公司名称", "客户"],
    "name": ["name", "contact", "contact name", "full name", "姓名", "联系人", "联系人姓名"],
    "title": ["title", "job title", "position", "职位", "职务"],
    "phone": ["phone", "mobile", "tel", "telephone", "电话", "手机", "手机号", "联系电话"],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮件"],
    "wechat": ["wechat", "weixin", "微信", "微信号"],
    "decision_role": ["role", "decision role", "buying role", "角色", "决策角色"],
}


def contact_choices() -> dict[str, Choices]:
    """A decision role is one of ours, by its key or its label in either language (or as the
    import's value map says: `--values decision_role:CEO=decision_maker`)."""
    return {"decision_role": Choices.of(DecisionRole)}


def run_contacts(job, rows, progress=None) -> Outcome:
    """Each row a person at a company the importer may see (named as the company is named, its
    suffixes and punctuation aside); the same person is the same email or phone. Skipped or
    merged (empty fields filled, audited as the importer's) when already a contact at a company
    the importer sees; refused when the email or phone is someone else's elsewhere, as the
    contact form refuses it."""
    by = job.created_by
    roles = contact_choices()["decision_role"]
    value_map = (job.value_map or {}).get("decision_role", {})
    company = company_finder(by)  # a company the importer sees, by its name
    seen: set[str] = set()  # this file's emails and phones
    outcome = Outcome.so_far(job)

    def process() -> None:
        for batch in batches(rows):
            with checkpoint(job, outcome, batch, progress):
                for row in batch:
                    import_row(row)

    def import_row(row: Row) -> None:
        values, errors = cells(row, job.mapping, CONTACT_FIELDS)

        def error(field: str, reason: str) -> None:
            errors.append(RowError(row.number, column_of(job.mapping, field), reason))

        account = None
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
        if not values.get("name"):
            error("name", _("the name is empty"))
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                error("email", _("not an email address: %(v)s") % {"v": values["email"]})
        if values.get("phone") and not normalize_phone(values["phone"]):
            error("phone", _("not a phone number: %(v)s") % {"v": values["phone"]})
        role = DecisionRole.UNKNOWN.value
        if values.get("decision_role"):
            role = roles.read(values["decision_role"], value_map)
            if role is None:
                error(
                    "decision_role",
                    _("unknown role %(r)r: map it to one of ours (%(all)s)")
                    % {"r": values["decision_role"], "all": ", ".join(DecisionRole.values)},
                )
        if errors:
            outcome.errors.extend(errors)
            return
        keys = {
            key
            for key in (
                normalize_email(values.get("email", "")),
                normalize_phone(values.get("phone", "")),
            )
            if key
        }
        in_file = bool(keys & seen)
        seen.update(keys)
        twin = None
        if keys and not in_file:
            same = Contact.objects.none()
            if values.get("email"):
                same |= Contact.objects.filter(email_normalized=normalize_email(values["email"]))
            if values.get("phone"):
                same |= Contact.objects.filter(phone_e164=normalize_phone(values["phone"]))
            twin = same.filter(account__in=Account.objects.visible_to(by)).first()
        if in_file or (twin and job.dedupe != "merge"):
            outcome.skipped += 1
            return
        fields = {
            "title": values.get("title", ""),
            "phone": values.get("phone", ""),
            "email": values.get("email", ""),
            "wechat": values.get("wechat", ""),
            "decision_role": role,
        }
        if twin:
            empty = {k: v for k, v in fields.items() if v and not getattr(twin, k)}
            if twin.decision_role == DecisionRole.UNKNOWN and role != DecisionRole.UNKNOWN:
                empty["decision_role"] = role
            if empty and not job.dry_run:
                if "email" in empty:
                    empty["email_normalized"] = normalize_email(empty["email"])
                if "phone" in empty:
                    empty["phone_e164"] = normalize_phone(empty["phone"])
                versioned_update(twin, by=by, stale=CONTACT_STALE, **empty)
            outcome.merged += 1
            return
        if job.dry_run:
            outcome.created += 1
            return
        try:
            contact_create(account=account, by=by, name=values["name"], **fields)
        except DomainError as refused:
            for name, reason in (refused.fields or {"name": refused.message}).items():
                outcome.errors.append(
                    RowError(row.number, column_of(job.mapping, name), str(reason))
                )
            return
        outcome.created += 1

    return all_or_nothing(job, outcome, process)


KINDS["contacts"] = ImportKind(
    label=gettext_lazy("Contacts (people at companies)"),
    fields=CONTACT_FIELDS,
    required=("company", "name"),
    synonyms=CONTACT_SYNONYMS,
    run=run_contacts,
    choices=contact_choices,
)
