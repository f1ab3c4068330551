from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "salesop.pricing"
    label = "pricing"
    verbose_name = _("Pricing and approvals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.pricing import alerts, criteria  # noqa: F401 (registers them)
        from salesop.pricing.models import (
            Approval,
            Concession,
            PricePolicy,
            Product,
            Quote,
            QuoteLine,
        )

        auditlog.register(Product)
        auditlog.register(PricePolicy)
        auditlog.register(Concession)
        auditlog.register(Quote, exclude_fields=["version"])
        auditlog.register(QuoteLine)
        auditlog.register(Approval)
