from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "salesop.pricing"
    label = "pricing"
    verbose_name = _("Pricing and approvals")

    def ready(self) -> None:
        from salesop.core.audit import audit_register
        from salesop.pricing import alerts, criteria, handlers, timeline  # noqa: F401 (registers them)
        from salesop.pricing.models import (
            Approval,
            Concession,
            PricePolicy,
            Product,
            Quote,
            QuoteLine,
        )

        audit_register(Product)
        audit_register(PricePolicy)
        audit_register(Concession)
        audit_register(Quote, exclude=["version"])
        audit_register(QuoteLine)
        audit_register(Approval)
