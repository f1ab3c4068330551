from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from salesop.accounts.models import User
from salesop.accounts.visibility import get_visible_or_404
from salesop.core.imports import KINDS, values_in
from salesop.core.spreadsheets import NotASpreadsheet
from salesop.core.textsearch import containing, starting_any
from salesop.core.tokens import token_hash
from salesop.customers.models import Account, Contact
from salesop.customers.rules import phone_prefixes
from salesop.leads.models import Channel, ExportJob, ImportJob, Lead
from salesop.playbook import customfields
from salesop.playbook.models import FieldModel

LEAD_ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "score": ("-score", "-id"),
    "fit": ("-icp_fit", "-id"),
}


@dataclass
class LeadFilters:
    status: str = ""
    grade: str = ""
    channel_id: int | None = None
    owner_id: int | None = None
    q: str = ""
    fit_min: float | None = None
    custom: dict[str, str] = field(default_factory=dict)  # {"custom.<key>": value}


def lead_list(user: User, filters: LeadFilters, sort: str) -> QuerySet[Lead]:
    """The list the page and the API show, for `LEAD_ORDERINGS[sort]`: sorted by score or ICP
    fit, only the leads that have one."""
    leads = leads_visible_to(user, filters)
    if sort in ("score", "fit"):
        leads = leads.filter(**{f"{'score' if sort == 'score' else 'icp_fit'}__isnull": False})
    return leads


def leads_visible_to(user: User, filters: LeadFilters | None = None) -> QuerySet[Lead]:
    f = filters or LeadFilters()
    leads = Lead.objects.visible_to(user).select_related("owner", "channel")
    if f.status:
        leads = leads.filter(status=f.status)
    if f.grade:
        leads = leads.filter(grade=f.grade)
    if f.channel_id:
        leads = leads.filter(channel_id=f.channel_id)
    if f.owner_id:
        leads = leads.filter(owner_id=f.owner_id)
    if f.fit_min is not None:
        leads = leads.filter(icp_fit__gte=f.fit_min)
    if f.q:
        leads = leads.filter(text_match(f.q))
    return customfields.filter_by(leads, FieldModel.LEAD, f.custom)


def text_match(q: str) -> Q:
    """What the search box finds: a phone number's beginning when the words are a number
    (138 0013, +86 138..., 0086 138...), else the company or contact name containing them."""
    prefixes = phone_prefixes(q)
    if prefixes:
        return starting_any("phone_e164", prefixes)
    return containing("leads_lead", ("company_name", "contact_name"), q.strip())


def lead_for(user: User, lead_id: int) -> Lead:
    return get_visible_or_404(
        Lead.objects.select_related("owner", "channel", "team", "account", "deal"), user, pk=lead_id
    )


@dataclass
class Duplicates:
    leads: list[Lead]
    accounts: list[Account]
    contacts: list[Contact]

    def __bool__(self) -> bool:
        return bool(self.leads or self.accounts or self.contacts)


def find_duplicates(
    *, company_key: str = "", email: str = "", phone: str = "", exclude_lead: int | None = None
) -> Duplicates:
    """Records that are the same company or person by their matching keys, whoever owns them."""
    person = Q()
    if email:
        person |= Q(email_normalized=email)
    if phone:
        person |= Q(phone_e164=phone)
    leads = Lead.objects.none()
    contacts = Contact.objects.none()
    if person:
        leads = Lead.objects.filter(person).exclude(status__in=("disqualified", "converted"))
        if exclude_lead:
            leads = leads.exclude(pk=exclude_lead)
        contacts = Contact.objects.filter(person).select_related("account")
    accounts = Account.objects.filter(normalized_name=company_key) if company_key else []
    return Duplicates(list(leads[:10]), list(accounts[:10]), list(contacts[:10]))


def imports_of(user: User) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("channel", "created_by")
    return jobs if user.sees_everything else jobs.filter(created_by=user)


def import_for(user: User, job_id: int) -> ImportJob:
    """An import the user started (sales ops: any); 404 alike for missing and another's."""
    return get_object_or_404(imports_of(user), pk=job_id)


@dataclass(frozen=True)
class ValueChoice:
    """A value of the file in a field whose cells must be one of ours, with ours as chosen
    (or as read without being told; "" when we would not know it)."""

    field: str
    column: str
    theirs: str
    ours: str
    options: list[tuple[str, str]]


def import_values(job: ImportJob) -> list[ValueChoice]:
    """The values to map before the import runs: of each such field's column, the file's
    distinct values (its first rows), each with ours."""
    result = []
    for target, choices in KINDS[job.kind].choices().items():
        column = next((c for c, f in job.mapping.items() if f == target), None)
        if column is None:
            continue
        chosen = job.value_map.get(target, {})
        try:
            found = values_in(Path(job.file.path), column)
        except (NotASpreadsheet, OSError):
            continue  # the run says what is wrong with the file
        for theirs in found:
            ours = choices.read(theirs, chosen) or ""
            result.append(ValueChoice(target, column, theirs, ours, choices.options))
    return result


def exports_of(user: User) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(created_by=user)


def channels() -> QuerySet[Channel]:
    return Channel.objects.all()


def channel_by_intake_key(raw: str) -> Channel | None:
    if not raw:
        return None
    digest = token_hash(raw)
    return Channel.objects.filter(intake_key_hash=digest, is_active=True).first()
