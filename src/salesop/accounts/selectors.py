from django.db.models import QuerySet

from salesop.accounts.models import ApiToken, Role, User


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def colleagues_visible_to(user: User) -> QuerySet[User]:
    """The people whose records `user` may filter by: everyone for ops, the team subtree for a
    manager, else only themselves."""
    users = User.objects.filter(is_active=True).order_by("full_name", "username")
    if user.sees_everything:
        return users
    if Role.MANAGER in user.roles and user.team_id:
        return users.filter(team__path__startswith=user.team.path)
    return users.filter(pk=user.pk)
