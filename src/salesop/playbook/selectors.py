from django.db.models import QuerySet
from django.http import Http404
from django.utils.module_loading import import_string

from salesop.playbook.loader import parse_playbook
from salesop.playbook.models import FieldModel, PlaybookVersion
from salesop.playbook.schema import Playbook

# Versions are immutable and addressed by their hash, so a parsed copy never goes stale.
_PARSED: dict[str, Playbook] = {}


def parsed(version: PlaybookVersion) -> Playbook:
    playbook = _PARSED.get(version.sha256)
    if playbook is None:
        playbook = _PARSED[version.sha256] = parse_playbook(version.text)
    return playbook


def active_version() -> PlaybookVersion:
    """The running version, without its text: a process parses a version once (`parsed`), and
    pages ask for the running one several times each."""
    return PlaybookVersion.objects.defer("text").get(is_active=True)


def active_playbook() -> Playbook:
    return parsed(active_version())


def versions() -> QuerySet[PlaybookVersion]:
    return PlaybookVersion.objects.select_related("author", "activated_by")


# Each kind of record: the selector that finds it for a person (404 when they may not see it).
FINDERS = {
    FieldModel.ACCOUNT: "salesop.customers.selectors.account_for",
    FieldModel.CONTACT: "salesop.customers.selectors.contact_for",
    FieldModel.LEAD: "salesop.leads.selectors.lead_for",
    FieldModel.DEAL: "salesop.deals.selectors.deal_for",
    FieldModel.TICKET: "salesop.aftersales.selectors.ticket_for",
    FieldModel.PROJECT: "salesop.aftersales.selectors.project_for",
}


def record_for(user, label: str, pk: int):
    """The record of kind `label` (a custom field's model) that `user` may see, else 404."""
    if label not in FINDERS:
        raise Http404
    return import_string(FINDERS[label])(user, pk)
