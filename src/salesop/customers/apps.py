from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "salesop.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from salesop.core.audit import audit_register, audit_shown
        from salesop.customers import imports, profiling, selectors, tasks  # noqa: F401 (registers them)
        from salesop.customers.models import Account, Contact

        audit_register(
            Account,
            exclude=["updated_at", "normalized_name", "version"],
            m2m=["shared_with"],
        )
        audit_register(Contact, exclude=["email_normalized", "phone_e164", "version"])
        audit_shown(Account, selectors.account_for)
