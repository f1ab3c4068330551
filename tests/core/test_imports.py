"""What every import kind does alike, through the one framework: a cell longer than its field
is refused at its row and column (it was a database error on PostgreSQL for companies and
past deals, which checked no length), the rows beside it come in."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.accounts.models import User
from salesop.core.imports import KINDS
from salesop.core.testing import make_channel
from salesop.customers.models import Account
from salesop.leads.jobs import import_start, import_upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "header", "most"),
    [("leads", "公司名称", 200), ("accounts", "公司名称", 200), ("deals", "公司名称", 200),
     ("users", "姓名", 150)],
)  # fmt: skip
def test_a_cell_longer_than_its_field_is_refused_where_it_is(
    org, kind, header, most, django_capture_on_commit_callbacks
):
    assert set(KINDS) == {"leads", "accounts", "contacts", "activities", "deals", "users"}
    too_long = "长" * (most + 1)
    content = f"{header},备注\r\n上海云仓物流有限公司,\r\n{too_long},\r\n".encode()
    channel = make_channel() if kind == "leads" else None
    job = import_upload(
        by=org.ops, upload=SimpleUploadedFile("f.csv", content), channel=channel, kind=kind
    )
    mapping = {header: job.mapping[header]}  # guessed: company_name, company or name
    with django_capture_on_commit_callbacks(execute=True):
        import_start(
            job=job, by=org.ops, mapping=mapping, dedupe="skip", all_or_nothing=False, dry_run=False
        )
    job.refresh_from_db()
    assert job.status == "done", job.message
    reason = f"超过 {most} 个字符"
    assert job.errors == [{"row": 3, "column": header, "reason": reason}]
    assert job.created_count == 1
    assert not Account.objects.filter(name=too_long).exists()
    assert not User.objects.filter(full_name=too_long).exists()


@pytest.mark.parametrize("kind", ["accounts", "deals"])
def test_what_an_import_writes_is_audited_as_the_importers(
    org, kind, django_capture_on_commit_callbacks
):
    from auditlog.models import LogEntry

    job = import_upload(
        by=org.ops,
        upload=SimpleUploadedFile("f.csv", "公司名称\r\n杭州智造科技股份有限公司\r\n".encode()),
        channel=None,
        kind=kind,
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_start(
            job=job, by=org.ops, mapping=job.mapping, dedupe="skip", all_or_nothing=True,
            dry_run=False,
        )  # fmt: skip
    account = Account.objects.get(name="杭州智造科技股份有限公司")
    entry = LogEntry.objects.get_for_object(account).get()
    assert entry.actor == org.ops


def test_every_field_of_every_kind_has_a_name_people_read():
    from salesop.core.imports import FIELD_LABELS

    assert {f for kind in KINDS.values() for f in kind.fields} <= set(FIELD_LABELS)
