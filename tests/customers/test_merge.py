"""Merging two duplicate companies keeps everything that hung on either."""

import pytest

from salesop.activities.services import activity_log
from salesop.core.errors import DomainError
from salesop.core.testing import make_account, make_deal
from salesop.customers.models import Account, AccountMerge, Contact
from salesop.customers.services import account_merge

pytestmark = pytest.mark.django_db


def test_merge_moves_deals_contacts_activities_and_is_recorded(client, org):
    keep = make_account(org.rep, "上海云仓物流有限公司")
    dup = make_account(org.teammate, "上海云仓", industry="物流", region="上海")
    deal = make_deal(org.teammate, account=dup)
    Contact.objects.create(account=dup, name="周经理")
    activity_log(by=org.teammate, account=dup, kind="call", subject="电话", outcome="neutral")
    with pytest.raises(DomainError):
        account_merge(keep=keep, merge=dup, by=org.rep)  # a rep may not merge
    client.force_login(org.manager)
    response = client.post(
        f"/api/v1/accounts/{keep.pk}/merge", {"other_id": dup.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert not Account.objects.filter(pk=dup.pk).exists()
    deal.refresh_from_db()
    keep.refresh_from_db()
    assert deal.account == keep and keep.industry == "物流" and keep.contacts.count() == 1
    assert keep.activities.count() == 1
    record = AccountMerge.objects.get()
    assert record.merged_name == "上海云仓" and record.moved["deals"] == 1
    assert org.teammate in keep.shared_with.all()  # the duplicate's owner still sees it


def test_merge_of_a_foreign_company_is_404(client, org):
    keep = make_account(org.rep, "A 公司")
    foreign = make_account(org.outsider, "A 公司北方")
    client.force_login(org.manager)
    response = client.post(
        f"/api/v1/accounts/{keep.pk}/merge",
        {"other_id": foreign.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Account.objects.filter(pk=foreign.pk).exists()


def test_company_import_matches_by_normalised_name(org, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from salesop.leads.services import import_start, import_upload

    existing = make_account(org.rep, "上海云仓物流有限公司")
    existing.normalized_name = "上海云仓物流"
    existing.save()
    content = (
        "公司名称,行业,客户等级,负责人\r\n"
        "上海云仓物流,物流,重点客户,rep\r\n"
        "杭州智造科技股份有限公司,制造业,战略客户,rep\r\n"
        "坏数据公司,,白金,rep\r\n"
    ).encode()
    job = import_upload(
        by=org.ops, upload=SimpleUploadedFile("a.csv", content), channel=None, kind="accounts"
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_start(
            job=job,
            by=org.ops,
            mapping=job.mapping,
            dedupe="merge",
            all_or_nothing=False,
            dry_run=False,
        )
    job.refresh_from_db()
    assert (job.created_count, job.merged_count, job.error_count) == (1, 1, 1)
    existing.refresh_from_db()
    assert existing.industry == "物流"
    assert Account.objects.get(name="杭州智造科技股份有限公司").tier == "strategic"
