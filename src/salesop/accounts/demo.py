"""Demo data of the accounts app: the teams, one user per role, the admin."""

from salesop.accounts.models import Role, User
from salesop.accounts.services import team_ensure, user_create

# username, full name, team key, roles, language, what the login shows
USERS = [
    ("ops", "王芳", None, (Role.OPS,), "zh-hans", "sales operations: sees everything, admin"),
    ("manager", "李强", "east", (Role.MANAGER,), "zh-hans", "sales manager, East China"),
    ("rep", "张伟", "shanghai", (Role.REP,), "zh-hans", "sales rep, Shanghai team 1"),
    ("emily", "Emily Chen", "shanghai", (Role.REP,), "en", "sales rep, Shanghai team 1"),
    ("liuyang", "刘洋", "north", (Role.REP,), "zh-hans", "sales rep, North China"),
    ("northmgr", "赵敏", "north", (Role.MANAGER,), "zh-hans", "sales manager, North China"),
    ("legal", "陈静", None, (Role.LEGAL,), "zh-hans", "legal / compliance"),
    (
        "director",
        "钱进",
        None,
        (Role.DIRECTOR,),
        "zh-hans",
        "sales director: approves deep discounts",
    ),
    ("finance", "孙丽", None, (Role.FINANCE,), "zh-hans", "finance"),
    ("pm", "David Wu", None, (Role.PROJECT_MANAGER, Role.TECH_SUPPORT), "en", "delivery"),
    ("csm", "周婷", None, (Role.CUSTOMER_SUCCESS,), "zh-hans", "customer success"),
    ("trainer", "黄磊", None, (Role.TRAINER,), "zh-hans", "trainer"),
]


def load_people(password: str) -> dict[str, User]:
    """The teams, one user per role (USERS) and the admin, all with `password`; the users by
    username."""
    root = team_ensure(name="销售部 Sales", parent=None)
    east = team_ensure(name="华东大区 East China", parent=root)
    teams = {
        "east": east,
        "shanghai": team_ensure(name="上海一组 Shanghai 1", parent=east),
        "north": team_ensure(name="华北大区 North China", parent=root),
    }
    users: dict[str, User] = {}
    for username, full_name, team_key, roles, language, _description in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=password,
                full_name=full_name,
                email=f"{username}@demo.salesop.local",
                team=teams.get(team_key) if team_key else root,
                roles=roles,
                language=language,
            )
        users[username] = user
    if not User.objects.filter(username="admin").exists():
        user_create(
            username="admin",
            password=password,
            full_name="Admin",
            roles=(Role.OPS,),
            is_superuser=True,
        )
    return users
