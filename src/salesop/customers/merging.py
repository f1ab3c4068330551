"""What merging two companies does with each kind of record that points at a company, in any
app. Every relation to Account is listed here by `app_label.Model.field`; one that is not
listed (a new model, say) refuses the merge rather than being deleted with the duplicate or
failing on its protection, and tests/customers/test_merge.py fails until it is listed."""

import copy
import json
from collections.abc import Iterable

from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.core import serializers
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

from salesop.core.errors import DomainError
from salesop.core.versioned import versioned_bulk_update
from salesop.customers.models import Account

# The duplicate's rows move to the surviving company.
MOVE = "move"
# At most one per company (a OneToOne): the surviving company's row stays; the duplicate's
# moves over only when the surviving company has none, and is otherwise deleted with its
# values kept in the merge record. (A customer stage is a judgement of now, which the rules
# suggest again from the records that moved over; refusing instead would block every merge of
# two customers in delivery, each of which has one.)
KEEP_SURVIVORS = "keep_survivors"
# The people a company is shared with: added to the surviving company's (services do it).
VIEWERS = "viewers"
# Rows that cannot move: a duplicate holding one is not merged, naming what blocks it.
REFUSE = "refuse"

POLICY: dict[str, str] = {
    "customers.Account_shared_with.account": VIEWERS,
    "customers.Contact.account": MOVE,
    "customers.AccountMerge.kept": MOVE,  # the duplicate's own earlier merges
    "deals.Deal.account": MOVE,
    "leads.Lead.account": MOVE,
    "contracts.Handover.account": MOVE,
    "aftersales.DeliveryProject.account": MOVE,
    "aftersales.Ticket.account": MOVE,
    # The duplicate's customer link keeps working, now showing the merged company's tickets:
    # it is the same customer.
    "aftersales.PortalLink.account": MOVE,
    "aftersales.Survey.account": MOVE,
    "aftersales.Revisit.account": MOVE,
    "aftersales.Opportunity.account": MOVE,
    "aftersales.AccountGrowth.account": KEEP_SURVIVORS,
    "aftersales.Churn.account": MOVE,
    "activities.Activity.account": MOVE,
    "activities.Task.account": MOVE,
}


def relation_key(relation: ForeignObjectRel) -> str:
    return f"{relation.related_model._meta.label}.{relation.field.name}"


def account_relations() -> list[ForeignObjectRel]:
    """Every relation pointing at a company, hidden ones (related_name="+") and the
    many-to-many tables included: `_meta.related_objects` leaves the hidden ones out."""
    return [
        field
        for field in Account._meta.get_fields(include_hidden=True)
        if field.is_relation and field.auto_created and not field.concrete
    ]


def _name(relation: ForeignObjectRel) -> str:
    return relation.related_model._meta.model_name


def _rows(relation: ForeignObjectRel, account: Account):
    return relation.related_model._base_manager.filter(**{relation.field.name: account})


def _values(row) -> dict:
    """The row's columns as JSON, for the merge record."""
    return json.loads(serializers.serialize("json", [row]))[0]["fields"]


def refusals(merge: Account) -> list[str]:
    """What the duplicate holds that cannot move, one line per kind with its count."""
    blocked = []
    for relation in account_relations():
        if POLICY.get(relation_key(relation), REFUSE) != REFUSE:
            continue
        count = _rows(relation, merge).count()
        if count:
            blocked.append(
                _("%(count)d × %(what)s")
                % {"count": count, "what": relation.related_model._meta.verbose_name}
            )
    return blocked


def refuse_unmovable(merge: Account) -> None:
    blocked = refusals(merge)
    if blocked:
        raise DomainError(
            "merge_blocked",
            _(
                "%(name)s cannot be merged: these of its records cannot be moved to another "
                "company: %(records)s."
            )
            % {"name": merge.name, "records": "; ".join(blocked)},
            {"other": "; ".join(blocked)},
        )


def _audit_moves(rows: Iterable, field, keep: Account) -> None:
    """The move in each row's own trail, as a save() would have written it (the rows are moved
    by one UPDATE)."""
    for row in rows:
        before = copy.copy(row)
        setattr(row, field.attname, keep.pk)
        changes = model_instance_diff(before, row)
        if changes:
            LogEntry.objects.log_create(row, action=LogEntry.Action.UPDATE, changes=changes)


def move_records(*, keep: Account, merge: Account, by) -> dict:
    """Moves every row pointing at `merge` to `keep` by the policy above (call under the
    merge's lock, after `refuse_unmovable`). Returns what moved per kind, and what stayed
    behind and why under "not_moved"."""
    moved: dict = {}
    not_moved: dict = {}
    for relation in account_relations():
        policy = POLICY.get(relation_key(relation), REFUSE)
        if policy == VIEWERS:
            continue
        name = relation.get_accessor_name() if not relation.hidden else _name(relation)
        model, field = relation.related_model, relation.field
        rows = _rows(relation, merge)
        survivor = _rows(relation, keep).first() if policy == KEEP_SURVIVORS else None
        if survivor is not None:
            for row in rows:
                not_moved[name] = {"kept": survivor.pk, "dropped": _values(row)}
                row.delete()
            moved[name] = 0
            continue
        if any(f.name == "version" for f in model._meta.concrete_fields):
            # a deal or lead form opened on the merged company answers 409, not a write back
            moved[name] = versioned_bulk_update(rows, by=by, **{field.name: keep})
            continue
        if auditlog.contains(model):
            _audit_moves(rows.order_by("pk"), field, keep)
        moved[name] = rows.update(**{field.name: keep})
    if not_moved:
        moved["not_moved"] = not_moved
    return moved
