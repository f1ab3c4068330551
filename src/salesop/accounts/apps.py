from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "salesop.accounts"
    label = "accounts"
    verbose_name = _("Users and teams")

    def ready(self) -> None:
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from salesop.accounts import imports  # noqa: F401 (registers the users import)
        from salesop.accounts.models import ApiToken, RoleGrant, Team, User
        from salesop.core.audit import audit_register

        audit_register(User, exclude=["password", "last_login"])
        audit_register(Team)
        audit_register(RoleGrant)
        audit_register(ApiToken, exclude=["key_hash", "last_used_at"])
        # Who turned a second factor on or off, never its secret or each code's bookkeeping.
        audit_register(
            TOTPDevice,
            exclude=[
                "key",
                "last_t",
                "drift",
                "throttling_failure_timestamp",
                "throttling_failure_count",
                "last_used_at",
                "created_at",
            ],
        )
        # Who made (created_at) or used up recovery codes; the codes' hashes are not audited.
        audit_register(
            StaticDevice,
            exclude=["throttling_failure_timestamp", "throttling_failure_count", "last_used_at"],
        )
