"""The audit trail reads in words, many-to-many changes included."""

import pytest

from salesop.core.audit import audit_actor, audit_entries_for
from salesop.core.testing import make_deal

pytestmark = pytest.mark.django_db


def test_sharing_a_deal_shows_who_was_added_and_removed(org):
    deal = make_deal(org.rep)
    with audit_actor(org.manager):
        deal.shared_with.add(org.teammate)
        deal.shared_with.remove(org.teammate)
    rows = [change for row in audit_entries_for(deal) for change in row.changes]
    shared = [c for c in rows if str(org.teammate) in (c[1] + c[2])]
    assert ("", str(org.teammate)) in [(c[1], c[2]) for c in shared]
    assert (str(org.teammate), "") in [(c[1], c[2]) for c in shared]


@pytest.mark.postgres
def test_audit_entries_refuse_update_and_delete_even_in_sql(org):
    from auditlog.models import LogEntry
    from django.db import DatabaseError, connection, transaction

    make_deal(org.rep)
    entry = LogEntry.objects.latest("pk")
    for sql in (
        "UPDATE auditlog_logentry SET changes_text = 'rewritten' WHERE id = %s",
        "DELETE FROM auditlog_logentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert LogEntry.objects.filter(pk=entry.pk, changes_text=entry.changes_text).exists()
    # a deleted user's entries stay, without the actor (the one change the database makes)
    from salesop.core.testing import make_user

    temp = make_user("temp", team=org.shanghai)
    deal = make_deal(org.rep, name="临时编辑")
    with audit_actor(temp):
        deal.name = "临时编辑 (改)"
        deal.save()
    edited = LogEntry.objects.filter(actor=temp).values_list("pk", flat=True)
    assert len(edited) >= 1
    ids = list(edited)
    temp.delete()
    assert LogEntry.objects.filter(pk__in=ids, actor__isnull=True).count() == len(ids)
