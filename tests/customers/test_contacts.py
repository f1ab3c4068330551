"""Contacts: duplicates by email or phone are refused, in the API and on the company page."""

import pytest

from salesop.core.testing import make_account
from salesop.customers.models import Contact

pytestmark = pytest.mark.django_db


def test_contacts_with_duplicate_detection(client, org):
    account = make_account(org.rep, "上海云仓物流有限公司")
    client.force_login(org.rep)
    url = f"/api/v1/accounts/{account.pk}/contacts"
    first = client.post(
        url,
        {
            "name": "周经理",
            "phone": "138 0571 0001",
            "email": "Zhou@YC.cn",
            "decision_role": "decision_maker",
        },
        content_type="application/json",
    )
    assert first.status_code == 201 and first.json()["phone_e164"] == "+8613805710001"
    again = client.post(
        url, {"name": "周总", "email": "zhou@yc.cn"}, content_type="application/json"
    )
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["body", "email"]
    bad = client.post(url, {"name": "x", "phone": "12"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "phone"]
    page = client.post(
        f"/customers/{account.pk}/contacts/",
        {"name": "吴工", "phone": "13905100002", "decision_role": "influencer"},
        follow=True,
    ).content.decode()
    assert "吴工" in page and 'data-testid="contacts"' in page
    assert Contact.objects.count() == 2
    foreign = make_account(org.outsider, "北京华信")
    assert client.get(f"/api/v1/accounts/{foreign.pk}/contacts").status_code == 404
