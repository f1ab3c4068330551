"""The benchmark data set: a company with two years of history, written straight into the
tables (COPY on PostgreSQL, executemany on SQLite), with ids assigned here so rows refer to
each other without a round trip.

    python -m bench.generate --db sqlite --scale large     # 1M leads, 200k deals, 2M activities
    python -m bench.generate --db postgres --scale large
    python -m bench.generate --db sqlite --scale small     # a fiftieth: what CI runs

Large scale: 1,000,000 leads across 12 channels, 100,000 accounts, 150,000 contacts, about
200,000 deals with full stage histories, 2,000,000 activities, 300,000 tickets, 60 reps in
8 teams (a manager each), six months of alerts. The funnel looks like a real one: most leads
grade C, each stage keeps about 70% of the deals that reach it; names are Chinese and English.
Everyone logs in with bench.generate.PASSWORD; the benchmarks use mgr0 (team 0's manager),
rep0_0 (one of its reps) and ops."""

import argparse
import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.common import setup
from salesop.core.time import company_date

BATCH = 10_000
TEAMS = 8
REPS = 60
MONTHS = 24
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (benchmark personas only)


@dataclass(frozen=True)
class Scale:
    leads: int
    accounts: int
    contacts: int
    tickets: int
    alerts: int  # over the last six months, most of them resolved

    @classmethod
    def of(cls, leads: int) -> "Scale":
        """Everything in proportion to the leads, as at large scale."""
        return cls(
            leads=leads,
            accounts=max(REPS, leads // 10),
            contacts=leads * 3 // 20,
            tickets=leads * 3 // 10,
            alerts=leads * 6 // 100,
        )


SCALES = {"large": Scale.of(1_000_000), "small": Scale.of(20_000)}

CITIES = ("上海", "北京", "杭州", "深圳", "苏州", "成都", "武汉", "南京", "广州", "天津")
WORDS = ("华东", "智造", "恒信", "远航", "启明", "联创", "博通", "云图", "金桥", "新元", "汇丰")
INDUSTRIES = ("物流", "制造业", "零售", "医药", "教育", "金融", "能源", "软件")
SUFFIXES = ("有限公司", "股份有限公司", "科技有限公司", "集团")
EN_WORDS = ("Northwind", "Contoso", "Fabrikam", "Litware", "Tailspin", "Adventure", "Proseware")
EN_KINDS = ("Logistics", "Manufacturing", "Retail", "Pharma", "Learning", "Capital", "Energy")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "强", "军", "杰", "婷", "涛")
EN_NAMES = ("Emily Chen", "David Wang", "Sarah Li", "Michael Zhang", "Grace Liu", "Tom Huang")
REGIONS = ("华东", "华北", "华南", "西南", "华中")
BANDS = ("1-49", "50-199", "200-999", "1000+")
CHANNELS = (
    ("百度SEM Baidu SEM", "online", "search_marketing"),
    ("官网表单 Website form", "online", "website"),
    ("行业平台 Industry platform", "online", "industry_platform"),
    ("微信公众号 WeChat", "online", "social_media"),
    ("LinkedIn", "online", "social_media"),
    ("展会 Trade show", "offline", "trade_show"),
    ("商会活动 Chamber event", "offline", "association_event"),
    ("客户推荐 Referral", "internal", "referral"),
    ("老客户复购 Repurchase", "internal", "repurchase"),
    ("市场线索池 Marketing pool", "internal", "marketing_pool"),
    ("合作伙伴 Partners", "offline", "other"),
    ("Google Ads", "online", "search_marketing"),
)


def company(i: int) -> str:
    if i % 5 == 4:
        return f"{EN_WORDS[i % 7]} {EN_KINDS[i // 7 % 7]} {i} Ltd"
    return f"{CITIES[i % 10]}{WORDS[i // 10 % 11]}{INDUSTRIES[i % 8]}{i}{SUFFIXES[i % 4]}"


def person(i: int) -> str:
    if i % 6 == 5:
        return EN_NAMES[i // 6 % 6]
    return SURNAMES[i % 18] + GIVEN[i // 18 % 12]


def phone(i: int) -> str:
    return f"+861{3 + i % 7}{i:09d}"[:14]


class Table:
    """Rows for one model's table: every column the model has, filled from the model's
    defaults where a row does not say; written in batches when full and on flush()."""

    def __init__(self, model, now: datetime, parents: tuple["Table", ...] = ()):
        from django.db import connection

        self.model = model
        self.parents = parents  # written first: their rows are what this table's refer to
        self.fields = list(model._meta.concrete_fields)
        self.sqlite = connection.vendor == "sqlite"
        self.defaults = {}
        for field in self.fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                self.defaults[field.attname] = now
            elif not field.primary_key:
                self.defaults[field.attname] = field.get_default()
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.next_id = (last or 0) + 1
        self.rows: list[tuple] = []
        self.written = 0
        self.prepare = [self._preparer(field, connection) for field in self.fields]

    def _preparer(self, field, connection):
        kind = field.get_internal_type()
        if kind == "DateTimeField" and self.sqlite:
            # what Django's SQLite backend stores: UTC, naive, "YYYY-MM-DD HH:MM:SS[.ffffff]"
            return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
        if kind in ("DecimalField", "JSONField", "DateField") or (
            kind == "DateTimeField" and not self.sqlite
        ):
            return lambda v: field.get_db_prep_save(v, connection)
        return None

    def add(self, **values) -> int:
        pk = self.next_id
        self.next_id += 1
        values["id"] = pk
        row = self.defaults | values
        self.rows.append(tuple(row[f.attname] for f in self.fields))
        if len(self.rows) >= BATCH:
            self.flush()
        return pk

    def flush(self) -> None:
        from django.db import connection, transaction

        if not self.rows:
            return
        for parent in self.parents:
            parent.flush()
        convert = [(i, p) for i, p in enumerate(self.prepare) if p is not None]
        rows = []
        for row in self.rows:
            row = list(row)
            for i, p in convert:
                row[i] = p(row[i])
            rows.append(row)
        table = self.model._meta.db_table
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with transaction.atomic():
            if self.sqlite:
                marks = ", ".join("?" * len(self.fields))
                raw = connection.connection
                raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
            else:
                with connection.cursor() as cursor:
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
                        for row in rows:
                            copy.write_row(row)
        self.written += len(rows)
        self.rows = []


def _people():
    from django.contrib.auth.hashers import make_password

    from salesop.accounts.models import Role, User
    from salesop.accounts.services import team_create, user_create
    from salesop.playbook.services import playbook_install_default

    playbook_install_default()
    sales = team_create(name="销售部 Sales")
    teams = [team_create(name=f"销售{t + 1}组 Team {t}", parent=sales) for t in range(TEAMS)]
    for t, team in enumerate(teams):
        user_create(
            username=f"mgr{t}",
            password=None,
            team=team,
            roles=(Role.MANAGER,),
            full_name=person(1000 + t),
        )
    reps = [
        user_create(
            username=f"rep{r % TEAMS}_{r // TEAMS}",
            password=None,
            team=teams[r % TEAMS],
            roles=(Role.REP,),
            full_name=person(r),
        )
        for r in range(REPS)
    ]
    user_create(username="ops", password=None, team=sales, roles=(Role.OPS,), full_name="王芳")
    User.objects.update(password=make_password(PASSWORD))  # one hash: argon2 is slow on purpose
    return reps


def generate(scale: Scale, seed: int = 9) -> dict:
    """Writes the data set into the configured (empty, migrated) database."""
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from salesop.activities.models import Activity
    from salesop.aftersales.models import Ticket
    from salesop.customers.models import Account, Contact
    from salesop.deals.models import Deal, StageEvent
    from salesop.insights.rules import months_back
    from salesop.leads.models import Channel, ChannelSpend, Lead
    from salesop.monitor.models import Alert
    from salesop.playbook.selectors import active_playbook, active_version

    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    now = timezone.now().replace(microsecond=0)
    reps = _people()
    channels = [Channel.objects.create(name=n, category=c, kind=k) for n, c, k in CHANNELS]
    for c, channel in enumerate(channels):
        for month in months_back(timezone.localdate(now), MONTHS):
            ChannelSpend.objects.get_or_create(
                channel=channel, month=month.start, defaults={"amount": Decimal(5000 + 2500 * c)}
            )
    playbook = active_playbook()
    stages = [s.key for s in playbook.stages]
    version = active_version().pk
    severities = [s.key for s in playbook.tickets.severities]
    teams = {rep.pk: rep.team_id for rep in reps}
    n_reps = len(reps)
    span = MONTHS * 30 * 86400
    t = {m: Table(m, now) for m in (Account, Contact, Deal, Ticket, Alert)}
    t[StageEvent] = Table(StageEvent, now, parents=(t[Deal],))
    t[Lead] = Table(Lead, now, parents=(t[Deal],))
    t[Activity] = Table(Activity, now, parents=(t[Lead], t[Deal]))

    # Accounts, owned round-robin: rep r owns accounts r, r + 60, r + 120 ...
    account_ids = []
    for i in range(scale.accounts):
        owner = reps[i % n_reps].pk
        account_ids.append(
            t[Account].add(
                owner_id=owner,
                team_id=teams[owner],
                name=company(i),
                normalized_name=company(i).lower(),
                industry=INDUSTRIES[i % 8],
                region=REGIONS[i % 5],
                employee_band=BANDS[i % 4],
                lifecycle="customer" if i % 3 == 0 else "prospect",
                tier=("strategic", "key", "standard", "standard", "standard")[i % 5],
                created_at=now - timedelta(seconds=rng.randrange(span)),
            )
        )
    t[Account].flush()
    for i in range(scale.contacts):
        t[Contact].add(
            account_id=account_ids[i % scale.accounts],
            name=person(i),
            title=("总经理", "采购经理", "IT Director", "财务总监", "运营主管")[i % 5],
            phone=phone(i),
            phone_e164=phone(i),
            email=f"contact{i}@example.com",
            email_normalized=f"contact{i}@example.com",
            wechat=f"wx_contact{i}" if i % 2 == 0 else "",
            decision_role=("decision_maker", "influencer", "user", "gatekeeper")[i % 4],
        )
    t[Contact].flush()

    # Leads, a fifth of them converted into deals that move through the stages.
    deals = 0
    recent = now - timedelta(days=14)
    half_year = now - timedelta(days=180)
    alerts = 0
    per_owner = max(1, scale.accounts // n_reps)
    for i in range(scale.leads):
        r = i % n_reps
        owner = reps[r].pk
        created = now - timedelta(seconds=rng.randrange(span))
        grade = rng.choices("ABC", weights=(10, 25, 65))[0]
        contacted = rng.random() < 0.8
        converts = contacted and grade in "AB" and rng.random() < 0.72
        first_contact = created + timedelta(hours=rng.randint(1, 40)) if contacted else None
        deal_id = account_id = None
        if converts:
            account_id = account_ids[min(scale.accounts - 1, r + n_reps * rng.randrange(per_owner))]
            deal_id = _deal(
                t, rng, i, owner, teams[owner], account_id, created, stages, version, now
            )
            deals += 1
            status = "converted"
        elif not contacted:
            status = "new"
        else:
            status = rng.choices(("contacted", "nurturing", "disqualified"), (5, 2, 3))[0]
        open_recent = status in ("new", "contacted") and created > recent
        last = first_contact + timedelta(days=rng.randint(0, 5)) if first_contact else None
        if last and last > now:
            last = now
        lead = t[Lead].add(
            owner_id=owner,
            team_id=teams[owner],
            status=status,
            channel_id=channels[(i * 7 + (3 if grade == "A" else 0)) % len(channels)].pk,
            company_name=company(i),
            company_key=f"company{i}",
            contact_name=person(i),
            phone=phone(i),
            phone_e164=phone(i),
            email=f"lead{i}@example.com",
            email_normalized=f"lead{i}@example.com",
            wechat=f"wx_lead{i}" if i % 3 == 0 else "",
            industry=INDUSTRIES[i % 8],
            region=REGIONS[i % 5],
            employee_band=BANDS[i % 4],
            grade=grade,
            score={"A": 85, "B": 60, "C": 30}[grade] + rng.randint(-5, 5),
            icp_fit=round(rng.random(), 3),
            disqualify_reason="no_budget" if status == "disqualified" else "",
            account_id=account_id,
            deal_id=deal_id,
            created_at=created,
            updated_at=last or created,
            first_contacted_at=first_contact if first_contact and first_contact < now else None,
            last_activity_at=last,
            # recent open leads are due in the coming days: a quiet sweep finds nothing due
            first_contact_due_at=now + timedelta(hours=rng.randint(1, 24))
            if open_recent and status == "new"
            else None,
            followup_due_at=now + timedelta(days=rng.randint(1, 7))
            if open_recent and status == "contacted"
            else None,
        )
        if status in ("contacted", "nurturing") and last and created > half_year:
            alerts += _followup_alert(
                t[Alert], rng, lead, company(i), owner, teams[owner], last, now
            )
        for k in range(2):
            t[Activity].add(
                kind=("call", "message")[k],
                subject="跟进 Follow-up",
                notes="",
                by_id=owner,
                lead_id=lead,
                account_id=account_id,
                deal_id=deal_id,
                occurred_at=min(now, created + timedelta(hours=1 + 30 * k)),
                duration_minutes=10,
                outcome="",
                created_at=min(now, created + timedelta(hours=1 + 30 * k)),
            )
    for table in (t[Deal], t[StageEvent], t[Lead], t[Activity]):
        table.flush()

    # Tickets: mostly answered and resolved; the open ones recent, due in the coming hours.
    for i in range(scale.tickets):
        account = account_ids[rng.randrange(scale.accounts)]
        owner = reps[(account - account_ids[0]) % n_reps].pk
        opened = now - timedelta(seconds=rng.randrange(span))
        is_open = opened > now - timedelta(days=2) and rng.random() < 0.5
        responded = None if is_open else opened + timedelta(hours=rng.randint(1, 30))
        t[Ticket].add(
            owner_id=owner,
            team_id=teams[owner],
            account_id=account,
            number=f"T{i + 1:07d}",
            channel=("phone", "email", "wechat", "portal")[i % 4],
            severity=severities[i % len(severities)],
            title=("系统登录异常", "Report export fails", "数据同步延迟", "Invoice question")[
                i % 4
            ],
            reporter=person(i + 7),
            status="open" if is_open else "resolved",
            opened_at=opened,
            first_response_due_at=(now if is_open else opened) + timedelta(hours=4),
            responded_at=responded,
            direction_due_at=(now if is_open else opened) + timedelta(hours=24),
            direction_at=responded,
            resolved_at=None if is_open else responded + timedelta(days=rng.randint(0, 5)),
        )
    t[Ticket].flush()

    # The rest of six months of alerts: stage dwell and ticket clocks, resolved.
    for i in range(max(0, scale.alerts - alerts)):
        opened = now - timedelta(seconds=rng.randrange(180 * 86400))
        owner = reps[i % n_reps].pk
        rule = ("stage_dwell", "ticket_response")[i % 2]
        t[Alert].add(
            kind={
                "stage_dwell": "deal.stage_overdue",
                "ticket_response": "ticket.first_response_overdue",
            }[rule],
            rule_key=rule,
            dedupe_key=f"{rule}:history:{i}",
            status="resolved",
            owner_id=owner,
            team_id=teams[owner],
            opened_at=opened,
            resolved_at=opened + timedelta(days=rng.randint(1, 6)),
            open_seconds=86400,
        )
    t[Alert].flush()

    _finish(connection)
    made = {m._meta.model_name: table.written for m, table in t.items()}
    made["seconds"] = round(time.monotonic() - started, 1)
    made["deals"] = deals
    made["last_lead_id"] = Lead.objects.aggregate(m=Max("pk"))["m"]
    return made


def _followup_alert(table, rng, lead, name, owner, team, last, now) -> int:
    """A lead left without follow-up for the playbook's 7 days: alerted (a third of such
    leads); still open when it happened in the last two weeks, as the sweep would see it."""
    opened = last + timedelta(days=7)
    if opened >= now or rng.random() > 0.35:
        return 0
    is_open = opened > now - timedelta(days=14)
    escalated = opened + timedelta(days=3) < now
    state = last.isoformat()
    table.add(
        kind="lead.not_followed_up",
        rule_key="lead_followup",
        dedupe_key=f"lead_followup:lead:{lead}:{state}",
        status="open" if is_open else "resolved",
        owner_id=owner,
        team_id=team,
        state=state,
        params={"lead": name, "lead_id": lead, "days": 7},
        opened_at=opened,
        escalate_at=None if escalated else opened + timedelta(days=3),
        escalated_at=opened + timedelta(days=3) if escalated else None,
        level=1 if escalated else 0,
        resolved_at=None if is_open else opened + timedelta(days=rng.randint(1, 6)),
        open_seconds=None if is_open else 86400,
    )
    return 1


def _deal(t, rng, i, owner, team, account_id, created, stages, version, now) -> int:
    from salesop.deals.models import Deal, StageEvent

    opened = created + timedelta(days=rng.randint(1, 10))
    at, reached = opened, 0
    path = [(stages[0], opened, 0)]
    while reached < len(stages) - 1 and rng.random() < 0.7:
        days = rng.randint(3, 30)
        at += timedelta(days=days)
        reached += 1
        path.append((stages[reached], at, days))
    outcome = "open"
    if rng.random() < 0.6:
        at += timedelta(days=rng.randint(3, 20))
        outcome = "won" if reached == len(stages) - 1 and rng.random() < 0.6 else "lost"
    if at > now:
        outcome, at = "open", min(path[-1][1], now)
    if opened > now:
        opened = at = now
    is_open = outcome == "open"
    deal = t[Deal].add(
        name=f"商机 Deal {i}",
        owner_id=owner,
        team_id=team,
        account_id=account_id,
        amount=Decimal(rng.randint(5, 100) * 10000),
        stage=path[-1][0] if is_open else outcome,
        status=outcome,
        probability=10 + 15 * reached if is_open else (100 if outcome == "won" else 0),
        playbook_version_id=version,
        created_at=opened,
        updated_at=at,
        stage_entered_at=at,
        closed_at=None if is_open else at,
        lost_reason="price" if outcome == "lost" else "",
        expected_close_date=company_date(at + timedelta(days=60)),
        # open deals are due some time in the coming weeks: a quiet sweep finds nothing due
        stage_due_at=now + timedelta(days=rng.randint(1, 30)) if is_open else None,
        close_due_at=now + timedelta(days=rng.randint(1, 90)) if is_open else None,
    )
    events = t[StageEvent]
    events.add(
        deal_id=deal, kind="created", to_stage=path[0][0], at=opened, playbook_version_id=version
    )
    for (before, _t, _d), (stage, when, days) in zip(path, path[1:], strict=False):
        events.add(
            deal_id=deal,
            kind="moved",
            from_stage=before,
            to_stage=stage,
            at=min(when, now),
            seconds_in_previous=days * 86400,
            playbook_version_id=version,
        )
    if not is_open:
        events.add(
            deal_id=deal,
            kind=outcome,
            from_stage=path[-1][0],
            to_stage=outcome,
            at=at,
            reason="price" if outcome == "lost" else "",
            playbook_version_id=version,
        )
    return deal


def _finish(connection) -> None:
    """Sequences past the ids written here (PostgreSQL) and fresh planner statistics."""
    from django.apps import apps
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(sql)
        cursor.execute("ANALYZE")


def load(db: str, scale_name: str, fresh: bool = True, scale: Scale | None = None) -> dict:
    """The data set of `scale_name` (or of `scale`, named so) in database
    bench_<name>_<db>: generated when `fresh` or missing, else what a previous run left (its
    counts are kept beside it)."""
    scale = scale or SCALES[scale_name]
    data = setup(db, f"bench_{scale_name}_{db}", fresh=fresh)
    stats = Path(data) / f"generated-{db}.json"
    if not fresh and stats.exists():
        return json.loads(stats.read_text())
    made = generate(scale)
    made["scale"] = asdict(scale)
    made["date"] = date.today().isoformat()  # noqa: DTZ011 (a label)
    stats.write_text(json.dumps(made))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    made = load(args.db, args.scale)
    print(json.dumps(made, indent=1))


if __name__ == "__main__":
    main()
