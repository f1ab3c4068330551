"""Django's admin is for sales operations: they get in (with their authenticator app's code)
and may change records; nobody else."""

import pytest

from salesop.core.testing import admin_login, make_account

pytestmark = pytest.mark.django_db


def test_ops_uses_the_admin(client, org):
    account = make_account(org.rep)
    admin_login(client, org.ops)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/customers/account/").status_code == 200
    assert client.get(f"/admin/customers/account/{account.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert "/admin/" in client.get("/").content.decode()


@pytest.mark.parametrize("persona", ["rep", "manager", "legal"])
def test_others_are_kept_out(client, org, persona):
    client.force_login(getattr(org, persona))
    response = client.get("/admin/customers/account/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_admin_team_move_keeps_the_subtree_visible_to_the_new_manager(client, org):
    make_account(org.rep, "上海云仓")
    admin_login(client, org.ops)
    response = client.post(
        f"/admin/accounts/team/{org.shanghai.pk}/change/",
        {"name": "Shanghai 1", "parent": org.north.pk},
    )
    assert response.status_code == 302
    client.force_login(org.other_manager)
    names = [a["name"] for a in client.get("/api/v1/accounts").json()["items"]]
    assert names == ["上海云仓"]


def test_admin_refuses_a_team_cycle(client, org):
    admin_login(client, org.ops)
    response = client.post(
        f"/admin/accounts/team/{org.east.pk}/change/", {"name": "East", "parent": org.shanghai.pk}
    )
    assert response.status_code == 200
    org.east.refresh_from_db()
    assert org.east.parent == org.sales
