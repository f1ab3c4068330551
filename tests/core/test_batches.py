"""Reading a job's rows in batches: the rows there when it began, in order, each as it is when
its batch is read."""

import pytest

from salesop.core.batches import batches
from salesop.core.testing import make_channel, make_lead
from salesop.leads.models import Lead

pytestmark = pytest.mark.django_db


def test_batches_hold_the_rows_there_at_the_start_in_order_each_read_when_its_batch_is(org):
    channel = make_channel()
    leads = [make_lead(org.rep, company=f"公司{i}", channel=channel) for i in range(7)]
    ids = sorted(lead.pk for lead in leads)
    read = batches(Lead.objects.filter(owner=org.rep), ordering=("-id",), size=3)

    first = next(read)
    assert [lead.pk for lead in first] == ids[::-1][:3]
    Lead.objects.filter(pk=ids[2]).delete()  # gone before its batch: left out
    Lead.objects.filter(pk=ids[1]).update(company_name="改名公司")  # read as it is now
    Lead.objects.filter(pk=ids[0]).update(owner=org.outsider)  # no longer matches: left out
    make_lead(org.rep, company="后来的公司", channel=channel)  # after the start: not read
    rest = list(read)

    assert [[lead.pk for lead in batch] for batch in rest] == [[ids[3], ids[1]]]
    assert rest[0][1].company_name == "改名公司"


def test_no_rows_no_batches(org):
    assert list(batches(Lead.objects.all(), ordering=("pk",), size=10)) == []
