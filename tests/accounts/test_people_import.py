"""Day one with a public CRM data set's shape: its agents file (agent, manager, regional office)
brings the organisation in, then its history file (open, won and lost deals with products and
dd-mm-yy dates) the past; per-manager, per-office and per-product won revenue then equal a
computation on the files themselves."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from salesop.accounts.models import Role, RoleGrant, Team, User
from salesop.core.testing import make_product
from salesop.customers.models import Account
from salesop.deals.models import Deal, DealLine
from salesop.leads.jobs import import_start, import_upload
from salesop.leads.models import ImportJob
from salesop.pricing.models import Product

pytestmark = pytest.mark.django_db

OFFICES = ["华东大区", "Central", "West"]
MANAGERS = ["周杰", "Dustin Brinkmann", "吴敏", "Melvin Marxen", "Cara Losch", "郑凯"]
SURNAMES = [
    "王",
    "李",
    "赵",
    "孙",
    "钱",
    "冯",
    "陈",
    "褚",
    "卫",
    "蒋",
    "沈",
    "韩",
    "杨",
    "朱",
    "秦",
]
GIVEN = ["Anna", "Boris", "Carla", "Daniel", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
         "Klara", "Lukas", "Mona", "Nils", "Olga"]  # fmt: skip
# The history names products by name, the catalogue's as they are but one (GTXPro), which the
# import maps as it maps the stages.
PRODUCTS = {"GTX-BASIC": "GTX Basic", "GTX-PRO": "GTX Pro", "MG-SPECIAL": "MG Special",
            "MG-ADV": "MG Advanced", "GTK-500": "GTK 500"}  # fmt: skip
FILE_PRODUCT = {**{name: name for name in PRODUCTS.values()}, "GTX Pro": "GTXPro"}
STAGES = {"stage": {"Prospecting": "discovery", "Engaging": "solution"}}
VALUES = STAGES | {"product": {"GTXPro": "GTX-PRO"}}


def agents_file() -> tuple[str, list[dict]]:
    """30 agents, 5 under each of 6 managers, 2 managers in each of 3 offices; half of them
    with Chinese names."""
    rows = []
    for i in range(30):
        manager = MANAGERS[i // 5]
        name = f"{SURNAMES[i // 2]}明" if i % 2 else f"{GIVEN[i // 2]} Q{i}"
        rows.append({"agent": name, "manager": manager, "office": OFFICES[i // 10]})
    lines = ["sales_agent,manager,regional_office"]
    lines += [f"{r['agent']},{r['manager']},{r['office']}" for r in rows]
    return "\r\n".join(lines) + "\r\n", rows


def history_file(agents: list[str], n: int = 240) -> tuple[str, list[dict]]:
    rng = random.Random(20)  # noqa: S311  # nosec B311
    rows = []
    for i in range(n):
        stage = rng.choice(["Won", "Won", "Lost", "Engaging", "Prospecting"])
        engaged = date(2023, 1, 1) + timedelta(days=rng.randint(0, 300))
        closed = engaged + timedelta(days=rng.randint(5, 60)) if stage in ("Won", "Lost") else None
        rows.append(
            {
                "id": f"OPP{i:05d}",
                "agent": rng.choice(agents),
                "product": rng.choice(list(PRODUCTS.values())),
                "account": f"客户{rng.randint(1, 60):02d} Ltd",
                "stage": stage,
                "engaged": engaged,
                "closed": closed,
                "value": Decimal(rng.randint(50, 30000)) if stage == "Won" else None,
            }
        )
    lines = ["opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,"
             "close_value"]  # fmt: skip
    for r in rows:
        closed = f"{r['closed']:%d-%m-%y}" if r["closed"] else ""
        value = "0" if r["stage"] == "Lost" else str(r["value"] or "")
        lines.append(
            f"{r['id']},{r['agent']},{FILE_PRODUCT[r['product']]},{r['account']},{r['stage']},"
            f"{r['engaged']:%d-%m-%y},{closed},{value}"
        )
    return "\r\n".join(lines) + "\r\n", rows


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def go(by, kind, content, **options):
        job = import_upload(
            by=by, upload=SimpleUploadedFile(f"{kind}.csv", content.encode()), channel=None,
            kind=kind,
        )  # fmt: skip
        options.setdefault("all_or_nothing", True)
        options.setdefault("dry_run", False)
        with django_capture_on_commit_callbacks(execute=True):
            import_start(job=job, by=by, mapping=job.mapping, dedupe="skip", **options)
        job.refresh_from_db()
        return job

    return go


@pytest.fixture
def catalogue(db):
    for code, name in PRODUCTS.items():
        make_product(code, name, family=code.split("-")[0].lower())


def written() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Team.objects.count(),
        RoleGrant.objects.count(),
        Deal.objects.count(),
        DealLine.objects.count(),
    )


def test_agents_then_history_give_per_manager_office_and_product_won_revenue(org, run, catalogue):
    from salesop.aftersales.growth import purchases
    from salesop.insights.filters import Filters
    from salesop.insights.products import won_by_product
    from salesop.insights.rules import Period
    from salesop.insights.selectors import compliance

    content, agents = agents_file()
    before = written()
    dry = run(org.ops, "users", content, dry_run=True)
    assert (dry.status, dry.created_count, dry.error_count) == ("done", 36, 0), dry.errors
    assert written() == before  # no users, no teams, no roles

    job = run(org.ops, "users", content)
    assert (job.status, job.created_count, job.merged_count) == ("done", 36, 0), job.errors
    offices = {name: Team.objects.get(name=name, parent=None) for name in OFFICES}
    for row in agents:
        agent = User.objects.get(full_name=row["agent"])
        office = offices[row["office"]]
        # in their manager's team under the office; active, without a login
        assert (agent.team.name, agent.team.parent) == (row["manager"], office)
        assert agent.is_active and not agent.has_usable_password()
        assert agent.roles == {Role.REP}
        manager = User.objects.get(full_name=row["manager"])
        assert (manager.team, manager.roles) == (office, {Role.MANAGER})
    after = written()
    again = run(org.ops, "users", content)
    assert (again.created_count, again.merged_count, again.skipped_count) == (0, 0, 30)
    assert written() == after

    history, deals = history_file([row["agent"] for row in agents])
    users = User.objects.count()
    dry = run(org.ops, "deals", history, date_order="dmy", value_map=VALUES, dry_run=True)
    assert (dry.status, dry.created_count) == ("done", len(deals)), dry.errors
    assert not Deal.objects.exists() and User.objects.count() == users
    job = run(org.ops, "deals", history, date_order="dmy", value_map=VALUES)
    assert (job.status, job.created_count, job.error_count) == ("done", len(deals), 0), job.errors
    assert User.objects.count() == users  # every owner was found among the people imported
    assert DealLine.objects.count() == len(deals)
    again = run(org.ops, "deals", history, date_order="dmy", value_map=VALUES)
    assert (again.created_count, again.skipped_count) == (0, len(deals))

    # the same figures, computed from the two files alone
    where = {row["agent"]: row for row in agents}
    per_office: dict[str, Decimal] = defaultdict(Decimal)
    per_manager: dict[str, Decimal] = defaultdict(Decimal)
    per_product: dict[str, Decimal] = defaultdict(Decimal)
    for deal in deals:
        if deal["stage"] == "Won":
            per_office[where[deal["agent"]]["office"]] += deal["value"]
            per_manager[where[deal["agent"]]["manager"]] += deal["value"]
            per_product[deal["product"]] += deal["value"]
    year = Period(date(2023, 1, 1), date(2024, 12, 31))
    for name, expected in per_office.items():
        total, _cards = compliance(org.ops, year, Filters(team=offices[name]))
        assert total.won_revenue == expected, name
    for name, expected in per_manager.items():
        team = Team.objects.get(name=name, parent__in=offices.values())
        total, _cards = compliance(org.ops, year, Filters(team=team))
        assert total.won_revenue == expected, name
    assert {r.product.name: r.revenue for r in won_by_product(org.ops, year)} == per_product
    assert sum(per_office.values()) == sum(per_product.values()) > 0
    # and the co-purchase recommendations read the same lines
    name = next(d["account"] for d in deals if d["stage"] == "Won")
    bought = {d["product"] for d in deals if d["stage"] == "Won" and d["account"] == name}
    account = Account.objects.get(name=name)
    assert {p.name for p in Product.objects.filter(pk__in=purchases(account)[account.pk])} == (
        bought
    )


def test_chinese_headers_roles_and_an_existing_user_moved_not_made_twice(org, run):
    content = (
        "销售,经理,大区,邮箱,角色\r\n"
        "张伟,钱进,华南大区,zhangwei@example.com,销售代表\r\n"  # the org's rep, by full name
        "钱进,,华南大区,,经理\r\n"  # the manager's own row says where he is
        "teammate,钱进,华南大区,,\r\n"  # by user name
    )
    job = run(org.ops, "users", content)
    assert (job.status, job.created_count, job.merged_count) == ("done", 1, 2), job.errors
    south = Team.objects.get(name="华南大区", parent=None)
    mine = Team.objects.get(name="钱进", parent=south)
    org.rep.refresh_from_db()
    assert (org.rep.team, org.rep.email) == (mine, "zhangwei@example.com")
    assert User.objects.get(username="teammate").team == mine
    boss = User.objects.get(full_name="钱进")
    assert (boss.team, boss.roles, boss.has_usable_password()) == (south, {Role.MANAGER}, False)
    assert User.objects.filter(full_name="张伟").count() == 1


def test_a_bad_row_names_its_value_and_nothing_is_written(org, run):
    before = written()
    content = "name,office,role,email\r\nAnna,West,rep,\r\nBen,West,Boss,ben@x\r\nanna,West,,\r\n"
    job = run(org.ops, "users", content)
    assert job.status == "failed" and written() == before
    reasons = [(e["row"], e["column"], e["reason"]) for e in job.errors]
    assert reasons[0][:2] == (3, "role") and "'Boss'" in reasons[0][2]
    assert reasons[1][:2] == (3, "email")
    assert reasons[2][:2] == (4, "name") and "2" in reasons[2][2]


def test_an_unknown_product_is_a_row_error_naming_it(org, run, catalogue):
    content = (
        "客户名称,产品,结果,开始日期,成交日期\r\n北京华信,Widget,赢单,2024-01-05,2024-03-01\r\n"
    )
    job = run(org.ops, "deals", content)
    assert job.status == "failed" and not Deal.objects.exists()
    assert job.errors[0]["column"] == "产品" and "'Widget'" in job.errors[0]["reason"]
    job = run(org.ops, "deals", content, value_map={"product": {"Widget": "MG-ADV"}})
    assert job.status == "done" and Deal.objects.get().lines.get().product.code == "MG-ADV"


@pytest.mark.parametrize("who", ["rep", "manager"])
def test_only_sales_ops_import_people_through_the_page_and_the_command_line(
    client, org, who, capsys
):
    from salesop.cli import main
    from salesop.core.errors import DomainError

    content, _agents = agents_file()
    before = written()
    person = getattr(org, who)
    with pytest.raises(DomainError):
        import_upload(
            by=person, upload=SimpleUploadedFile("a.csv", content.encode()), channel=None,
            kind="users",
        )  # fmt: skip
    client.force_login(person)
    page = client.get("/leads/import/").content.decode()
    assert 'value="users"' not in page
    answer = client.post(
        "/leads/import/", {"kind": "users", "file": SimpleUploadedFile("a.csv", content.encode())}
    )
    assert answer.status_code == 200 and "users" in answer.content.decode()
    with pytest.raises(SystemExit) as refused:
        main(["import", "users", _file(content), "--user", person.username])
    assert "请联系销售运营" in str(refused.value), refused.value  # who imports people
    assert written() == before and not ImportJob.objects.exists()


def _file(content: str) -> str:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
        fh.write(content)
    return fh.name


def test_the_command_line_imports_people_and_says_so_the_second_time(org, tmp_path, capsys):
    from django.utils import translation

    from salesop.cli import main

    path = tmp_path / "agents.csv"
    path.write_text(agents_file()[0])
    with translation.override("en"):
        main(["import", "users", str(path), "--user", "ops"])
        first = capsys.readouterr().out
        main(["import", "users", str(path), "--user", "ops"])
        second = capsys.readouterr().out
    assert "created 36" in first, first
    assert "created 0, merged 0, skipped 30" in second, second


def test_sales_ops_import_people_through_the_import_page(
    client, org, django_capture_on_commit_callbacks
):
    client.force_login(org.ops)
    content = "销售,经理,办事处\r\n孙明,周杰,成都办事处\r\n"
    client.post(
        "/leads/import/", {"kind": "users", "file": SimpleUploadedFile("a.csv", content.encode())}
    )
    job = ImportJob.objects.get(kind="users")
    assert job.mapping == {"销售": "name", "经理": "manager", "办事处": "office"}
    page = client.get(f"/leads/import/{job.pk}/").content.decode()
    assert 'name="date_order"' not in page and 'name="create_owners"' not in page
    form = {f"map_{i}": job.mapping.get(c, "") for i, c in enumerate(job.columns)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/leads/import/{job.pk}/", {**form, "mode": "all_or_nothing"})
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2), job.errors
    assert User.objects.get(full_name="孙明").team.parent.name == "成都办事处"
