from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "salesop.accounts"
    label = "accounts"
    verbose_name = _("Users and teams")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.accounts.models import ApiToken, RoleGrant, Team, User

        auditlog.register(User, exclude_fields=["password", "last_login"])
        auditlog.register(Team)
        auditlog.register(RoleGrant)
        auditlog.register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
