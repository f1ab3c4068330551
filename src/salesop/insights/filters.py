"""A report's filters (team, owner, channel, industry, grade) as a user may ask them, and
which figures a filter cannot narrow."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesop.accounts.models import Role, Team, User
from salesop.deals.models import Deal


@dataclass(frozen=True)
class Filters:
    team: Team | None = None
    owner_id: int | None = None
    channel_id: int | None = None
    industry: str = ""
    grade: str = ""


def teams_visible_to(user: User) -> QuerySet[Team]:
    """The teams a report may be filtered by: all for sales ops, a manager's subtree, a
    rep's own team."""
    if user.sees_everything:
        return Team.objects.all()
    if user.team_id is None:
        return Team.objects.none()
    if Role.MANAGER in user.roles:
        return Team.objects.filter(path__startswith=user.team.path)
    return Team.objects.filter(pk=user.team_id)


def team_for(user: User, team_id: int) -> Team:
    team = teams_visible_to(user).filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


def owners_visible_to(user: User) -> QuerySet[User]:
    """The people whose figures a report may show: everyone for sales ops, a manager's
    subtree, otherwise the user alone. Those who may no longer log in count while they own
    deals (a rep who left, the owners a history import brought in as inactive users): their
    figures are the team's past."""
    people = User.objects.filter(Q(is_active=True) | Q(pk__in=Deal.objects.values("owner")))
    if user.sees_everything:
        return people.order_by("username")
    if Role.MANAGER in user.roles and user.team_id:
        return people.filter(team__path__startswith=user.team.path).order_by("username")
    return User.objects.filter(pk=user.pk)


def owner_for(user: User, owner_id: int) -> int:
    if not owners_visible_to(user).filter(pk=owner_id).exists():
        raise Http404
    return owner_id


def filters_for(
    user: User,
    *,
    team_id: int | None = None,
    owner_id: int | None = None,
    channel_id: int | None = None,
    industry: str = "",
    grade: str = "",
) -> Filters:
    """A report's filters as asked by a page or the API; a team or person the user may not
    see answers 404."""
    return Filters(
        team=team_for(user, team_id) if team_id else None,
        owner_id=owner_for(user, owner_id) if owner_id else None,
        channel_id=channel_id or None,
        industry=industry.strip()[:100],
        grade=grade or "",
    )


# The figures a filter cannot narrow: a ticket, a revisit, a churn or a survey answer has no
# lead to take a channel or grade from, an alert has neither company nor lead, and grading
# calibration judges the grades themselves. Each page and API answer names them next to the
# figure when such a filter is asked (`not_narrowed`), rather than showing them as narrowed.
NOT_NARROWED: dict[str, set[str]] = {
    "channel": {"tickets", "revisits", "compliance_score", "churns", "feedback", "lapses"},
    "industry": {"lapses"},
    "grade": {
        "tickets",
        "revisits",
        "compliance_score",
        "churns",
        "feedback",
        "lapses",
        "grading",
    },
}
FILTER_LABELS = {
    "channel": gettext_lazy("channel"),
    "industry": gettext_lazy("industry"),
    "grade": gettext_lazy("grade"),
}


def asked(filters: Filters) -> list[str]:
    """The filters asked, by name (team, owner, channel, industry, grade)."""
    values = {
        "team": filters.team,
        "owner": filters.owner_id,
        "channel": filters.channel_id,
        "industry": filters.industry,
        "grade": filters.grade,
    }
    return [name for name, value in values.items() if value]


def not_narrowed(filters: Filters) -> dict[str, list[str]]:
    """Per figure, the filters asked that do not narrow it (none asked: empty)."""
    found: dict[str, list[str]] = {}
    for name in asked(filters):
        for figure in sorted(NOT_NARROWED.get(name, ())):
            found.setdefault(figure, []).append(name)
    return found


def not_narrowed_notes(filters: Filters) -> dict[str, str]:
    """Per figure, what a page says next to it: "Not narrowed by channel, grade"."""
    return {
        figure: _("Not narrowed by %(filters)s")
        % {"filters": ", ".join(str(FILTER_LABELS[n]) for n in names)}
        for figure, names in not_narrowed(filters).items()
    }
