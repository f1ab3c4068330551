"""Writes for users, teams, roles and API tokens."""

import math
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from salesop.accounts.events import user_created
from salesop.accounts.models import ApiToken, Role, RoleGrant, Team, User
from salesop.accounts.rules import (
    RECOVERY_CODE_ALPHABET,
    RECOVERY_CODE_COUNT,
    RECOVERY_CODE_LENGTH,
    placement_changes,
    recovery_code_display,
    second_factor_code,
    team_move_creates_cycle,
)
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.core.tokens import token_hash

TOKEN_PREFIX = "sop_"  # noqa: S105  (a marker, not a secret)  # nosec B105


@transaction.atomic
def team_create(*, name: str, parent: Team | None = None) -> Team:
    team = Team.objects.create(name=name, parent=parent)
    team.path = f"{parent.path if parent else '/'}{team.pk}/"
    team.save(update_fields=["path"])
    return team


@transaction.atomic
def team_update(*, team: Team, name: str, parent: Team | None) -> Team:
    """Renames a team and moves it (with its subtree) under another parent; refuses cycles."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    if team_move_creates_cycle(team, parent):
        raise DomainError(
            "team_cycle",
            _("A team cannot be moved under itself or one of its sub-teams."),
            {"parent": _("Choose a team outside this team's subtree.")},
        )
    old_path = team.path
    new_path = f"{parent.path if parent else '/'}{team.pk}/"
    Team.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    team.name = name
    team.parent = parent
    team.path = new_path
    team.save(update_fields=["name", "parent"])
    return team


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    team: Team | None = None,
    roles: tuple[str, ...] = (),
    is_superuser: bool = False,
    language: str = "",
) -> User:
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            "username_taken",
            _("The user name %(username)s is taken.") % {"username": username},
            {"username": _("This user name is taken.")},
        )
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        team=team,
        is_superuser=is_superuser,
        language=language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user_set_roles(user=user, roles=roles)
    user_created(user)
    return user


def username_from(full_name: str) -> str:
    """A free user name made from a person's name ("Moses Frase" gives moses.frase, 张伟 gives
    张伟), with a number added when it is taken."""
    allowed = "".join(c if c.isalnum() or c in "@+-_" else "." for c in full_name.casefold())
    base = ".".join(part for part in allowed.split(".") if part)[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def person_create(
    *, full_name: str, team: Team | None = None, roles: tuple[str, ...] = (), email: str = ""
) -> User:
    """Someone the department's records name who has no login yet (an imported agent, a past
    deal's owner): active, so they count in every per-person report of their period, with an
    unusable password until an administrator gives them one."""
    return user_create(
        username=username_from(full_name),
        password=None,
        full_name=full_name,
        email=email,
        team=team,
        roles=roles,
    )


@transaction.atomic
def person_place(
    *, user: User, team: Team | None, roles: tuple[str, ...] = (), email: str = ""
) -> bool:
    """Puts a person in `team` (None: where they are), adds `roles` to theirs and gives them
    `email` when they have none; True when anything changed."""
    changes = placement_changes(user, team=team, roles=roles, email=email)
    if "team" in changes:
        user.team = team
    if "email" in changes:
        user.email = email
    if fields := [name for name in changes if name != "roles"]:
        user.save(update_fields=fields)
    if "roles" in changes:
        user_set_roles(user=user, roles=sorted(user.roles | set(roles)))
    return bool(changes)


def team_ensure(*, name: str, parent: Team | None) -> Team:
    """The team named `name` under `parent`, made when there is none."""
    return Team.objects.filter(name=name, parent=parent).first() or team_create(
        name=name, parent=parent
    )


@transaction.atomic
def user_set_roles(*, user: User, roles: tuple[str, ...] | list[str]) -> None:
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise DomainError(
            "unknown_role",
            _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)},
            {"roles": _("Choose from: %(roles)s.") % {"roles": ", ".join(Role.values)}},
        )
    RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
    existing = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    for role in roles:
        if role not in existing:
            RoleGrant.objects.create(user=user, role=role)
    user.__dict__.pop("roles", None)


def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Creates a token and returns it with the raw secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise DomainError("token_name", _("Give the token a name."), {"name": _("Required.")})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise DomainError(
            "token_days",
            _("A token lives between 1 and 366 days."),
            {"days": _("Enter a number of days from 1 to 366.")},
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        key_hash=token_hash(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> tuple[ApiToken | None, str]:
    """The active token for a raw secret, or None and the reason it is refused."""
    token = (
        ApiToken.objects.select_related("user", "user__team")
        .filter(key_hash=token_hash(raw))
        .first()
    )
    if token is None:
        return None, _("The API token is not valid.")
    now = timezone.now()
    if token.revoked_at is not None:
        return None, _("The API token was revoked.")
    if token.expires_at <= now:
        return None, _("The API token expired.")
    if not token.user.is_active:
        return None, _("The API token's user is deactivated.")
    # Writing on every request would turn each read into a write; a minute is precise enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, ""


def user_set_preferences(*, user: User, **values) -> User:
    """Name, email, language and time zone, as the user chose them on their profile."""
    allowed = {"full_name", "email", "language", "timezone"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be set: %(fields)s.") % {"fields": ", ".join(unknown)},
        )
    for name, value in values.items():
        setattr(user, name, value)
    full_clean_or_refuse(user, exclude=["password", "username"])
    with audit_actor(user):
        user.save(update_fields=list(values))
    return user


def user_sessions_end(*, user: User) -> None:
    """Ends every session `user` has open: pages, and API calls riding on a browser session
    (API tokens are a separate credential). A view keeps its own request's session with
    django.contrib.auth.update_session_auth_hash, as after a password change."""
    with transaction.atomic():
        current = (
            User.objects.select_for_update()
            .values_list("session_generation", flat=True)
            .get(pk=user.pk)
        )
        user.session_generation = current + 1
        with audit_actor(user):
            user.save(update_fields=["session_generation"])


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """A new authenticator secret for the user, unconfirmed until a first code from it is
    entered (an earlier unfinished one is replaced); refused while one is on."""
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise DomainError(
                "totp_already_on", _("Two-factor authentication is already on for you.")
            )
        with audit_actor(user):
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


def totp_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turns the second factor on once the user proves their app shows the right code, and
    returns the new recovery codes (to show once). Every other session of the user ends: it
    was opened with the password alone."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise DomainError(
            "totp_not_started", _("Start setting up two-factor authentication first.")
        )
    totp_check(device=device, code=code)
    with transaction.atomic():
        with audit_actor(user):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(user=user)
        user_sessions_end(user=user)
    return device, codes


def totp_disable(*, user: User, code: str) -> None:
    """Turns the second factor off (the app and the recovery codes); a current code from the
    app, or a recovery code, is the proof. Every other session of the user ends."""
    second_factor_verify(user=user, code=code)
    with transaction.atomic():
        with audit_actor(user):
            totp_remove(user=user)
        user_sessions_end(user=user)


def totp_remove(*, user: User) -> int:
    """Removes a user's authenticators and recovery codes without a code: for a lost phone, by
    an administrator (in the admin, or `salesop manage twofactor_reset` for the last one).
    Returns how many authenticators."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    return removed


def recovery_codes_renew(*, user: User, code: str) -> list[str]:
    """A new set of recovery codes, for a current code from the app (or a recovery code); the
    old set stops working, and every other session of the user ends."""
    second_factor_verify(user=user, code=code)
    with transaction.atomic():
        codes = _recovery_codes_issue(user=user)
        user_sessions_end(user=user)
    return codes


def recovery_code_hash(code: str) -> str:
    """What is stored of a recovery code: its hash, so a copy of the database or the admin
    shows no usable code. Cut to django-otp's 16-character token column (64 bits, more than
    the code's own 49)."""
    return token_hash(f"recovery:{code}")[:16]


def _recovery_codes_issue(*, user: User) -> list[str]:
    """Replaces the user's recovery codes with RECOVERY_CODE_COUNT new ones and returns them
    as shown. One device per user is kept (a session verified with a recovery code stays
    verified); its created_at says when the current set was made."""
    codes = [
        "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic(), audit_actor(user):
        device = StaticDevice.objects.select_for_update().filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        else:
            StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.token_set.all().delete()
            device.created_at = timezone.now()
            device.save(update_fields=["created_at"])
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=recovery_code_hash(code)) for code in codes
        )
    return [recovery_code_display(code) for code in codes]


def second_factor_verify(*, user: User, code: str) -> TOTPDevice | StaticDevice:
    """Accepts, once, either the code the user's authenticator app shows now or one of their
    recovery codes (which is then used up), and returns the device that matched. Refusals:
    `totp_wrong` or `recovery_code_wrong` (both count as a failed login at the code step),
    `code_malformed`, or a throttle (see totp_check)."""
    parsed = second_factor_code(code)
    if parsed is None:
        message = _("Enter the 6 digits your authenticator app shows, or a recovery code.")
        raise DomainError("code_malformed", message, {"code": message})
    kind, value = parsed
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    if device is None:
        raise DomainError("totp_off", _("Two-factor authentication is not on."))
    if kind == "totp":
        totp_check(device=device, code=value)
        return device
    recovery = StaticDevice.objects.filter(user=user).order_by("pk").first()
    wrong = _(
        "That recovery code is not right, or was already used: each one works once. Check "
        "for typing mistakes, or use another code from your list."
    )
    if recovery is None:
        raise DomainError("recovery_code_wrong", wrong, {"code": wrong})
    _verify_once(recovery, recovery_code_hash(value), "recovery_code_wrong", wrong)
    return recovery


def totp_check(*, device: TOTPDevice, code: str) -> None:
    """Accepts a code from the device once: a code already used, or one from a step before it,
    is refused (django-otp keeps the last step accepted)."""
    wrong = _(
        "That code is not right, or was already used: enter the code your authenticator "
        "app shows now."
    )
    _verify_once(device, code, "totp_wrong", wrong)


def _verify_once(device: TOTPDevice | StaticDevice, token: str, code: str, wrong: str) -> None:
    """Checks a token against a django-otp device under a row lock, so two requests with the
    same token cannot both pass (SQLite: IMMEDIATE mode). After a wrong one the device waits
    1, 2, 4 ... seconds before it checks another (django-otp's throttling)."""
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        # verify_token saves the accepted step or uses up the recovery code, or counts the
        # failure; kept even when refused.
        verified = allowed and device.verify_token(token)
    if not allowed:
        locked_until = (why or {}).get("locked_until")
        wait = math.ceil((locked_until - timezone.now()).total_seconds()) if locked_until else 1
        wait = max(wait, 1)
        message = ngettext(
            "Too many wrong codes in a row: wait %(seconds)d second and try again.",
            "Too many wrong codes in a row: wait %(seconds)d seconds and try again.",
            wait,
        ) % {"seconds": wait}
        raise DomainError("totp_throttled", message, {"code": message})
    if not verified:
        raise DomainError(code, wrong, {"code": wrong})
