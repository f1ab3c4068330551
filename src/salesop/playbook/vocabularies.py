"""The playbook's keys in the audit trail: a deal's stage, a lead's status and BANT answers, a
lost or disqualification reason, a ticket's severity, a contract's signing documents read as
labels in the reader's language, from the playbook the record runs on (a deal's own version,
else the running one); a key it does not have stays as it is."""

from django.db.models import Model
from django.utils.translation import get_language

from salesop.core.audit import audit_vocabulary
from salesop.playbook.customfields import people_named
from salesop.playbook.models import FieldDefinition, FieldKind
from salesop.playbook.schema import Keyed, Playbook
from salesop.playbook.selectors import active_playbook, parsed


def _playbook(record: Model) -> Playbook:
    if getattr(record, "playbook_version_id", None):
        return parsed(record.playbook_version)
    return active_playbook()


def _labels(items: list[Keyed]) -> dict[str, str]:
    return {item.key: str(item.label) for item in items}


@audit_vocabulary("stages")
def stages(record: Model) -> dict[str, str]:
    return _playbook(record).stage_labels(get_language() or "zh-hans")


@audit_vocabulary("lead_statuses")
def lead_statuses(record: Model) -> dict[str, str]:
    return _labels(_playbook(record).lead_statuses)


@audit_vocabulary("lost_reasons")
def lost_reasons(record: Model) -> dict[str, str]:
    return _labels(_playbook(record).lost_reasons)


@audit_vocabulary("disqualify_reasons")
def disqualify_reasons(record: Model) -> dict[str, str]:
    return _labels(_playbook(record).disqualify_reasons)


@audit_vocabulary("bant")
def bant(record: Model) -> dict[str, str]:
    """A factor by its label, a factor's level as "factor.level"."""
    factors = _playbook(record).bant.factors
    levels = {f"{f.key}.{level.key}": str(level.label) for f in factors for level in f.levels}
    return _labels(factors) | levels


@audit_vocabulary("ticket_severities")
def ticket_severities(record: Model) -> dict[str, str]:
    return _labels(_playbook(record).tickets.severities)


@audit_vocabulary("contract_documents")
def contract_documents(record: Model) -> dict[str, str]:
    return _labels(_playbook(record).contracts.documents)


@audit_vocabulary("custom_fields")
def custom_fields(record: Model) -> dict[str, str]:
    """A record's custom fields by their labels, each choice as "key.choice" and each person
    as "key.<user id>"."""
    labels: dict[str, str] = {}
    fields = list(FieldDefinition.objects.filter(model=record._meta.label_lower))
    people = people_named(fields) or {}  # a person field's value is a user id
    for field in fields:
        labels[field.key] = field.label
        for choice in field.choices:
            labels[f"{field.key}.{choice['key']}"] = field.choice_label(choice["key"])
        if field.kind == FieldKind.USER:
            labels |= {f"{field.key}.{pk}": name for pk, name in people.items()}
    return labels
