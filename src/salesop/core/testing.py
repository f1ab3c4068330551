"""Shared test personas and builders: a rep, a teammate, their manager, an outsider from
another team with its own manager, legal, and sales ops. Used by the tests and benchmarks."""

from dataclasses import dataclass

from salesop.accounts.models import Role, Team, User
from salesop.accounts.services import team_create, user_create
from salesop.customers.models import Account

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test personas only)


@dataclass
class Org:
    sales: Team
    east: Team
    shanghai: Team
    north: Team
    rep: User
    teammate: User
    manager: User
    outsider: User
    other_manager: User
    legal: User
    ops: User


def make_user(
    username: str, *, team: Team | None = None, roles: tuple[str, ...] = (Role.REP,), **extra
) -> User:
    return user_create(username=username, password=PASSWORD, team=team, roles=roles, **extra)


def make_org() -> Org:
    sales = team_create(name="Sales")
    east = team_create(name="East China", parent=sales)
    shanghai = team_create(name="Shanghai 1", parent=east)
    north = team_create(name="North China", parent=sales)
    return Org(
        sales=sales,
        east=east,
        shanghai=shanghai,
        north=north,
        rep=make_user("rep", team=shanghai, full_name="张伟"),
        teammate=make_user("teammate", team=shanghai, full_name="Emily Chen"),
        manager=make_user("manager", team=east, roles=(Role.MANAGER,), full_name="李强"),
        outsider=make_user("outsider", team=north, full_name="刘洋"),
        other_manager=make_user("northmgr", team=north, roles=(Role.MANAGER,)),
        legal=make_user("legal", team=sales, roles=(Role.LEGAL,)),
        ops=make_user("ops", team=sales, roles=(Role.OPS,)),
    )


def make_account(owner: User, name: str = "上海云仓物流有限公司", **fields) -> Account:
    return Account.objects.create(owner=owner, team=owner.team, name=name, **fields)
