"""Who sees which company, through pages, the API and exports. Foreign records answer 404."""

import pytest
from django.urls import reverse

from salesop.core.testing import make_account
from salesop.customers.models import Account


@pytest.fixture
def accounts(org):
    return {
        "rep": make_account(org.rep, "上海云仓物流有限公司"),
        "teammate": make_account(org.teammate, "Northwind Traders Ltd."),
        "outsider": make_account(org.outsider, "北京华信数据安全有限公司"),
    }


def names_listed(client, user):
    client.force_login(user)
    response = client.get("/api/v1/accounts")
    assert response.status_code == 200
    return {item["name"] for item in response.json()["items"]}


def test_rep_lists_only_own_records(client, org, accounts):
    assert names_listed(client, org.rep) == {"上海云仓物流有限公司"}


def test_manager_sees_team_subtree_but_not_other_teams(client, org, accounts):
    assert names_listed(client, org.manager) == {"上海云仓物流有限公司", "Northwind Traders Ltd."}
    assert names_listed(client, org.other_manager) == {"北京华信数据安全有限公司"}


def test_ops_sees_everything(client, org, accounts):
    assert len(names_listed(client, org.ops)) == 3


def test_shared_record_becomes_visible(client, org, accounts):
    accounts["teammate"].shared_with.add(org.rep)
    assert names_listed(client, org.rep) == {"上海云仓物流有限公司", "Northwind Traders Ltd."}


def test_other_reps_record_is_404_through_api(client, org, accounts):
    foreign = accounts["teammate"]
    client.force_login(org.rep)
    assert client.get(f"/api/v1/accounts/{foreign.pk}").status_code == 404
    response = client.patch(
        f"/api/v1/accounts/{foreign.pk}", {"name": "hijacked"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["detail"]
    foreign.refresh_from_db()
    assert foreign.name == "Northwind Traders Ltd."


def test_missing_and_forbidden_answer_alike(client, org, accounts):
    client.force_login(org.rep)
    missing = client.get("/api/v1/accounts/999999")
    forbidden = client.get(f"/api/v1/accounts/{accounts['outsider'].pk}")
    assert missing.status_code == forbidden.status_code == 404
    assert missing.json() == forbidden.json()


def test_other_reps_record_is_404_through_pages(client, org, accounts):
    foreign = accounts["outsider"]
    client.force_login(org.rep)
    assert client.get(reverse("customers:detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("customers:edit", args=[foreign.pk])).status_code == 404
    response = client.post(
        reverse("customers:edit", args=[foreign.pk]), {"name": "hijacked", "tier": "standard"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "北京华信数据安全有限公司"
    page = client.get(reverse("customers:list")).content.decode()
    assert "上海云仓物流有限公司" in page
    assert "北京华信数据安全有限公司" not in page


def test_export_contains_only_visible_records(client, org, accounts):
    client.force_login(org.rep)
    response = client.get(reverse("customers:export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "上海云仓物流有限公司" in body
    assert "Northwind" not in body
    assert "北京华信" not in body


def test_export_neutralises_formulas(client, org):
    make_account(org.rep, '=HYPERLINK("http://evil")', industry="+cmd", region="@SUM(A1)")
    client.force_login(org.rep)
    body = b"".join(client.get(reverse("customers:export")).streaming_content).decode("utf-8-sig")
    row = body.splitlines()[1]
    assert "'=HYPERLINK" in row and ",'+cmd," in row and ",'@SUM(A1)," in row


def test_anonymous_gets_nothing(client, accounts):
    assert client.get("/api/v1/accounts").status_code == 401
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_deactivated_user_sees_nothing(org, accounts):
    org.rep.is_active = False
    assert not Account.objects.visible_to(org.rep).exists()


def test_list_query_count_does_not_grow_with_rows(client, org, django_assert_max_num_queries):
    for i in range(30):
        make_account(org.rep, f"公司 {i}")
    client.force_login(org.manager)
    # session, user, roles, team path, page of rows (owner and team joined)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/accounts").json()["items"]) == 30
    with django_assert_max_num_queries(8):
        assert client.get(reverse("customers:list")).status_code == 200


def test_a_deal_shows_its_company_to_whoever_sees_the_deal(client, org, accounts):
    """A rep's deal on another team's customer: the rep's manager opens the deal and its company
    (the lead conversion shares the company with the rep alone)."""
    from salesop.deals.services import deal_create

    foreign = accounts["outsider"]
    deal_create(by=org.ops, account=foreign, name="华信 二期", owner=org.rep)
    for user in (org.rep, org.manager):
        client.force_login(user)
        assert client.get(reverse("customers:detail", args=[foreign.pk])).status_code == 200
        assert "北京华信数据安全有限公司" in names_listed(client, user)
    client.force_login(org.teammate)
    assert client.get(reverse("customers:detail", args=[foreign.pk])).status_code == 404
