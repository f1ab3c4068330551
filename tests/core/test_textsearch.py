"""The name search indexes stay whole: a later migration that rebuilds a table on SQLite (an
AlterField does) drops its triggers, and the trigram table would silently stop learning new
names. Every indexed table keeps its three triggers and its PostgreSQL indexes."""

import pytest
from django.db import connection

from salesop.core.testing import make_account, make_lead
from salesop.customers.services import account_update
from salesop.web.search import search

pytestmark = pytest.mark.django_db

INDEXED = {
    "leads_lead": ("company_name", "contact_name"),
    "customers_account": ("name",),
    "customers_contact": ("name",),
    "deals_deal": ("name",),
    "aftersales_ticket": ("title",),
    "contracts_contract": ("customer",),
}


def test_every_indexed_table_keeps_its_triggers_or_indexes():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            for table in INDEXED:
                for event in ("insert", "delete", "update"):
                    assert f"{table}_fts_{event}" in triggers
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
            indexes = {row[0] for row in cursor.fetchall()}
            assert {"lead_company_trgm", "lead_contact_trgm"} <= indexes
            for table, columns in INDEXED.items():
                if table != "leads_lead":
                    assert {f"{table}_{c}_trgm" for c in columns} <= indexes


def test_a_renamed_record_is_found_by_its_new_name_only(org):
    account = make_account(org.rep, "苏州精工机械制造有限公司")
    make_lead(org.rep, "无锡远景能源有限公司", contact_name="Grace Lin")
    account_update(account=account, by=org.rep, name="苏州恒信精密机械有限公司")
    kinds = lambda q: [(h.kind, h.title) for g in search(org.ops, q).groups for h in g.hits]  # noqa: E731
    assert kinds("恒信精密") == [("company", "苏州恒信精密机械有限公司")]
    assert kinds("精工机械") == []
    assert kinds("grace lin") == [("lead", "无锡远景能源有限公司")]
