from django.db.models import QuerySet

from salesop.accounts.models import ApiToken, Role, Team, User


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams whose records `user` may filter by: all for ops, the subtree for a manager."""
    if user.sees_everything:
        return Team.objects.all()
    if Role.MANAGER in user.roles and user.team_id:
        return Team.objects.filter(path__startswith=user.team.path)
    return Team.objects.none()


def colleagues_visible_to(user: User) -> QuerySet[User]:
    """The people whose records `user` may filter by: everyone for ops, the team subtree for a
    manager, else only themselves."""
    users = User.objects.filter(is_active=True).order_by("full_name", "username")
    if user.sees_everything:
        return users
    if Role.MANAGER in user.roles and user.team_id:
        return users.filter(team__path__startswith=user.team.path)
    return users.filter(pk=user.pk)
