from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "salesop.pricing"
    label = "pricing"
    verbose_name = _("Pricing and approvals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.pricing import alerts, criteria  # noqa: F401 (registers them)
        from salesop.pricing.models import Approval, Quote

        auditlog.register(Quote, exclude_fields=["version"])
        auditlog.register(Approval)
