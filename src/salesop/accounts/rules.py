from typing import Literal

from salesop.accounts.models import Role, Team, User

RECOVERY_CODE_COUNT = 10
# No 0/o or 1/i/l: codes are read off paper and typed by hand. 31**10 is about 2**49.
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_LENGTH = 10


def manages_others(user: User) -> bool:
    """A sales manager, or someone who sees everything (sales ops, a director): who may act on
    other people's records they can see (reassign, reopen, merge, approve in their stead)."""
    return user.sees_everything or Role.MANAGER in user.roles


def may_import_people(user: User) -> bool:
    """Brings users and teams in from a file: sales operations (and administrators) only, as
    who is whose manager decides who sees what."""
    return user.can_administer


def placement_changes(
    user: User, *, team: Team | None, roles: tuple[str, ...], email: str
) -> list[str]:
    """What placing `user` in `team` (None: where they are) with `roles` added and `email`
    (kept when they have one) would change: "team", "email", "roles"."""
    changes = []
    if team is not None and (team.pk is None or user.team_id != team.pk):
        changes.append("team")
    if email and not user.email:
        changes.append("email")
    if set(roles) - user.roles:
        changes.append("roles")
    return changes


def team_move_creates_cycle(team: Team, parent: Team | None) -> bool:
    """True when `parent` is the team itself or inside its subtree."""
    return parent is not None and team.pk is not None and parent.path.startswith(team.path)


def second_factor_code(raw: str) -> tuple[Literal["totp", "recovery"], str] | None:
    """What someone typed at a code step: the authenticator app's 6 digits, or a recovery code
    in any case, with or without its dash and spaces (both as the service checks them); None
    when it is neither."""
    code = "".join(raw.split()).replace("-", "").lower()
    if len(code) == 6 and code.isascii() and code.isdigit():
        return "totp", code
    if len(code) == RECOVERY_CODE_LENGTH and all(c in RECOVERY_CODE_ALPHABET for c in code):
        return "recovery", code
    return None


def recovery_code_display(code: str) -> str:
    """A recovery code as shown to its owner: two groups of five, easier to copy by hand."""
    half = RECOVERY_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"
