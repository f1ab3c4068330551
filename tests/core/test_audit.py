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
