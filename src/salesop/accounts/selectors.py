from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesop.accounts.models import ApiToken, Role, Team, User


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def totp_device_of(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    """The user's authenticator app: the confirmed one that login asks a code from, or
    (confirmed=False) the one being set up."""
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def recovery_codes_left(user: User) -> int:
    """How many of the user's recovery codes are still unused."""
    return StaticToken.objects.filter(device__user=user).count()


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams whose records `user` may filter by: all for ops, the subtree for a manager."""
    if user.sees_everything:
        return Team.objects.all()
    if Role.MANAGER in user.roles and user.team_id:
        return Team.objects.filter(path__startswith=user.team.path)
    return Team.objects.none()


def colleagues_visible_to(user: User, *, active_only: bool = True) -> QuerySet[User]:
    """The people whose records `user` may filter by: everyone for ops, the team subtree for a
    manager, else only themselves (with `active_only`, those who may still log in)."""
    users = User.objects.order_by("full_name", "username")
    if active_only:
        users = users.filter(is_active=True)
    if user.sees_everything:
        return users
    if Role.MANAGER in user.roles and user.team_id:
        return users.filter(team__path__startswith=user.team.path)
    return users.filter(pk=user.pk)


def colleagues_by_name(user: User, *, active_only: bool = True) -> dict[str, User]:
    """The colleagues `user` sees by how a file names them: user name or full name, in any
    case (a user name wins over someone else's identical full name)."""
    colleagues = list(colleagues_visible_to(user, active_only=active_only))
    people = {person.username.casefold(): person for person in colleagues}
    for person in colleagues:
        if person.full_name:
            people.setdefault(person.full_name.casefold(), person)
    return people
