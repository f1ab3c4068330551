"""Our own people: users, their roles and teams. (A customer company is
customers.Account; "accounts" here are user accounts, as in Django.)"""

from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Sales manager")
    DIRECTOR = "director", _("Sales director")
    LEGAL = "legal", _("Legal / compliance")
    FINANCE = "finance", _("Finance")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    TECH_SUPPORT = "tech_support", _("Technical support")
    CUSTOMER_SUCCESS = "customer_success", _("Customer success")
    OPS = "ops", _("Sales operations")
    TRAINER = "trainer", _("Trainer")


class Team(models.Model):
    """A node in the team tree. `path` is the chain of ids from the root ("/1/4/"), so a
    subtree is one indexed prefix match."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="team_unique_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, blank=True, choices=_timezone_choices
    )
    # Raised to end every session the user has open (see _get_session_auth_hash).
    session_generation = models.PositiveIntegerField(_("sessions ended"), default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django keeps this hash in each session and ends a session whose hash no longer
        matches (that is how a password change logs other browsers out). Mixing in the
        generation lets a change of second factor do the same; generation 0 keeps Django's own
        hash, so sessions opened before this field existed stay valid."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "salesop.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or Role.OPS in self.roles

    @property
    def can_administer(self) -> bool:
        """Sales operations and superusers use the admin and own the configuration."""
        return self.is_superuser or Role.OPS in self.roles


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="rolegrant_unique_user_role")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
