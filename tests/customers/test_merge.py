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
