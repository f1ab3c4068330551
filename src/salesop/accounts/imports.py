"""Importing the sales organisation from a spreadsheet (a CRM's agents file: each agent with
their manager and regional office), so per-manager and per-office figures exist from the first
day. Each regional office is a team; under it, each manager's team holds the manager's
agents; the manager is in the office's team with the manager role. People the file names who
are not users yet come in active without a login; those who are (by user name or full name)
are moved to the team the file says, never made twice."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import Role, Team, User
from salesop.accounts.rules import may_import_people, placement_changes
from salesop.accounts.selectors import colleagues_visible_to
from salesop.accounts.services import person_create, person_place, team_create
from salesop.core.imports import (
    KINDS,
    Choices,
    ImportKind,
    Outcome,
    RowError,
    all_or_nothing,
    cells,
    column_of,
)

FIELDS = {
    "name": 150,
    "manager": 150,
    "office": 100,
    "team": 100,
    "email": 254,
    "role": 32,
}
SYNONYMS = {
    "name": [
        "sales agent", "agent", "name", "full name", "sales rep", "rep", "user", "person",
        "销售", "销售代表", "姓名", "员工", "人员",
    ],
    "manager": ["manager", "sales manager", "supervisor", "经理", "主管", "销售经理", "上级"],
    "office": [
        "regional office", "office", "region", "branch", "大区", "办事处", "区域", "分公司",
    ],
    "team": ["team", "group", "团队", "小组", "组"],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮件"],
    "role": ["role", "角色", "岗位"],
}  # fmt: skip
# What files call a role besides our keys and labels.
ROLE_WORDS = {
    "agent": Role.REP,
    "sales agent": Role.REP,
    "sales": Role.REP,
    "销售": Role.REP,
    "销售代表": Role.REP,
    "manager": Role.MANAGER,
    "经理": Role.MANAGER,
    "主管": Role.MANAGER,
    "销售经理": Role.MANAGER,
}


def people_choices() -> dict[str, Choices]:
    """A person's role is one of ours, known by key or label in either language."""
    return {"role": Choices.of(Role, {word: role.value for word, role in ROLE_WORDS.items()})}


class _Organisation:
    """The teams and people an import resolves names to, found or made as rows ask (a dry run
    makes unsaved ones, so that its counts are a real run's and nothing is written)."""

    def __init__(self, job, outcome: Outcome):
        self.dry_run = job.dry_run
        self.outcome = outcome
        self.people: dict[str, User] = {}
        for user in colleagues_visible_to(job.created_by, active_only=False):
            self.people.setdefault(user.username.casefold(), user)
            if user.full_name:
                self.people.setdefault(user.full_name.casefold(), user)
        self.teams: dict[tuple[str, ...], Team] = {}
        self.changed: set[int] = set()  # people counted as updated already

    def team(self, path: tuple[str, ...]) -> Team | None:
        """The team at `path` (office, then the team in it): the first name is an existing
        team of that name when there is exactly one, else a new top-level team."""
        if not path:
            return None
        if path in self.teams:
            return self.teams[path]
        parent = self.team(path[:-1])
        name = path[-1]
        if parent is None:
            found = list(Team.objects.filter(name=name)[:2])
            team = found[0] if len(found) == 1 else None
            team = team or Team.objects.filter(name=name, parent=None).first()
        elif parent.pk is None:  # a dry run's unsaved team: nothing under it yet
            team = None
        else:
            team = Team.objects.filter(name=name, parent=parent).first()
        if team is None:
            team = (
                Team(name=name, parent=parent)
                if self.dry_run
                else team_create(name=name, parent=parent)
            )
        self.teams[path] = team
        return team

    def place(self, name: str, team: Team | None, roles: tuple[str, ...], email: str = "") -> str:
        """Finds or makes the person named `name` and puts them where the file says; returns
        what happened to them: "created", "updated" or "unchanged"."""
        person = self.people.get(name.casefold())
        if person is None:
            if self.dry_run:
                person = User(username=name, full_name=name, team=team)
            else:
                person = person_create(full_name=name, team=team, roles=roles, email=email)
            self.people[name.casefold()] = person
            self.outcome.created += 1
            self.changed.add(id(person))
            return "created"
        if person.pk is None:  # made earlier in this dry run
            return "unchanged"
        if not placement_changes(person, team=team, roles=roles, email=email):
            return "unchanged"
        if not self.dry_run:
            person_place(user=person, team=team, roles=roles, email=email)
        if id(person) not in self.changed:
            self.changed.add(id(person))
            self.outcome.merged += 1
        return "updated"


def run_people(job, rows, progress=None) -> Outcome:
    """People with their team, manager and office. Counts are of people: created, updated
    (merged), and rows whose person already was as the file says (skipped)."""
    mapping = job.mapping
    roles = people_choices()["role"]
    role_map = (job.value_map or {}).get("role", {})
    # Read whole each run (no checkpoint: a manager is placed once every row is read), so a
    # stopped run resumed reads from the first row; nobody is made twice (people are found by
    # name), so that writes nothing twice.
    outcome = Outcome()
    job.processed_rows = 0
    organisation = _Organisation(job, outcome)
    named: dict[str, int] = {}  # person -> the row that placed them
    managers: dict[str, tuple[str, ...]] = {}  # manager -> their office, as first named

    def process() -> None:
        for row in rows:
            values, errors = cells(row, mapping, FIELDS)
            name = values.get("name", "")
            if not name:
                errors.append(RowError(row.number, column_of(mapping, "name"), _("no name")))
            elif name.casefold() in named:
                errors.append(
                    RowError(
                        row.number,
                        column_of(mapping, "name"),
                        _("%(name)s is already on row %(row)d")
                        % {"name": name, "row": named[name.casefold()]},
                    )
                )
            role = Role.REP.value
            if values.get("role"):
                role = roles.read(values["role"], role_map) or ""
                if not role:
                    errors.append(
                        RowError(
                            row.number,
                            column_of(mapping, "role"),
                            _("unknown role %(r)r: map it to one of ours (%(all)s)")
                            % {"r": values["role"], "all": ", ".join(Role.values)},
                        )
                    )
            if values.get("email"):
                try:
                    validate_email(values["email"])
                except ValidationError:
                    errors.append(
                        RowError(row.number, column_of(mapping, "email"), _("not an email address"))
                    )
            job.processed_rows += 1
            if errors:
                outcome.errors.extend(errors)
                continue
            named[name.casefold()] = row.number
            office = (values["office"],) if values.get("office") else ()
            manager = values.get("manager", "")
            if manager and manager.casefold() != name.casefold():
                managers.setdefault(manager, office)
            below = values.get("team") or manager
            path = office + ((below,) if below and below.casefold() != name.casefold() else ())
            what = organisation.place(
                name, organisation.team(path), (role,), values.get("email", "")
            )
            if what == "unchanged":
                outcome.skipped += 1
            if len(outcome.preview) < 20:
                outcome.preview.append(
                    {"name": name, "team": " / ".join(path), "role": str(Role(role).label)}
                )
            if progress and job.processed_rows % 200 == 0:
                progress(job, outcome)
        # a manager is in their office's team, unless a row of their own says where
        for manager, office in managers.items():
            team = None if manager.casefold() in named else organisation.team(office)
            organisation.place(manager, team, (Role.MANAGER,))

    all_or_nothing(job, outcome, process)
    if progress:
        progress(job, outcome)
    return outcome


KINDS["users"] = ImportKind(
    label=gettext_lazy("Users and teams"),
    fields=FIELDS,
    required=("name",),
    synonyms=SYNONYMS,
    run=run_people,
    choices=people_choices,
    allowed=may_import_people,
)
