"""Lead exports larger than one batch: every lead the person sees, once, in the list's order,
read batch by batch (tests/monitor/test_jobs_under_heartbeat.py proves why, on a SQLite file)."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from salesop.core.testing import make_channel
from salesop.leads.exports import PROGRESS_EVERY, export_execute
from salesop.leads.models import ExportJob, Lead

pytestmark = pytest.mark.django_db


def many_leads(owner, n, channel, at):
    Lead.objects.bulk_create(
        Lead(
            company_name=f"导出公司{i}",
            contact_name="王经理",
            channel=channel,
            owner=owner,
            team=owner.team,
            # An import gives a whole file one instant: ties across the batches' edges.
            created_at=at - timedelta(hours=i // 1500),
        )
        for i in range(n)
    )


def exported_ids(job: ExportJob) -> list[int]:
    job.file.open("rb")
    try:
        data = job.file.read()
    finally:
        job.file.close()
    if job.fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
        return [int(r[0]) for r in rows]
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_larger_than_a_batch_holds_each_visible_lead_once_in_list_order(org, fmt):
    channel = make_channel()
    now = timezone.now()
    n = 2 * PROGRESS_EVERY + 100
    many_leads(org.rep, n, channel, now)
    many_leads(org.outsider, 50, channel, now)  # not the rep's to see
    expected = list(
        Lead.objects.filter(owner=org.rep)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    job = ExportJob.objects.create(created_by=org.rep, fmt=fmt, query="")

    with CaptureQueriesContext(connection) as queries:
        export_execute(job)

    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == ("done", n, n)
    assert exported_ids(job) == expected
    # The leads are read by their ids, a batch at a time (memory holds one batch), after one
    # query for the ids in order; no query reads them all.
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "leads_lead"."id", "leads')]
    assert len(reads) == 3 and all(" IN (" in sql for sql in reads)


def test_an_export_says_how_many_leads_it_wrote(org):
    channel = make_channel()
    many_leads(org.rep, 3, channel, timezone.now())
    job = ExportJob.objects.create(created_by=org.rep, fmt="csv", query="")
    export_execute(job)
    job.refresh_from_db()
    assert (job.total_rows, job.processed_rows, len(exported_ids(job))) == (3, 3, 3)


def test_an_export_filters_by_a_custom_field_and_carries_its_columns(org):
    from salesop.playbook import customfields
    from salesop.playbook.customfields import Spec

    customfields.define(
        by=org.ops,
        model="leads.lead",
        key="buyer",
        spec=Spec("采购负责人", "Buyer", "user", []),
    )
    customfields.define(
        by=org.ops, model="leads.lead", key="group", spec=Spec("所属集团", "Group", "text", [])
    )
    many_leads(org.rep, 3, make_channel(), timezone.now())
    first, second, _third = Lead.objects.order_by("pk")
    customfields.write(first, {"buyer": org.rep.pk, "group": "恒通集团"}, by=org.rep)
    customfields.write(second, {"group": "北方集团"}, by=org.rep)
    job = ExportJob.objects.create(created_by=org.rep, fmt="csv", query="custom.group=恒通集团")
    with CaptureQueriesContext(connection) as queries:
        export_execute(job)
    job.refresh_from_db()
    job.file.open("rb")
    rows = list(csv.reader(io.StringIO(job.file.read().decode("utf-8-sig"))))
    job.file.close()
    assert rows[0][-2:] == ["Buyer", "Group"]  # in the language of the rep's export
    assert [r[0] for r in rows[1:]] == [str(first.pk)]
    assert rows[1][-2:] == ["张伟", "恒通集团"]
    people_reads = [q for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(people_reads) <= 3  # the exporter, owners by batch, everyone once: not per row
    refused = ExportJob.objects.create(created_by=org.rep, fmt="csv", query="custom.buyer=x")
    export_execute(refused)
    refused.refresh_from_db()
    assert refused.status == "failed" and "采购负责人" in refused.message  # the field named
