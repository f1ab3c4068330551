from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "salesop.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.customers import imports, profiling  # noqa: F401 (registers them)
        from salesop.customers.models import Account, Contact

        auditlog.register(
            Account,
            exclude_fields=[
                "updated_at",
                "deals",
                "activities",
                "tasks",
                "normalized_name",
                "contacts",
                "leads",
                "merges",
            ],  # reverse relations
            m2m_fields={"shared_with"},
        )
        auditlog.register(Contact, exclude_fields=["email_normalized", "phone_e164"])
