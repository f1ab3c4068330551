from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "salesop.monitor"
    label = "monitor"
    verbose_name = _("Process supervision")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.monitor.models import WebhookEndpoint

        auditlog.register(WebhookEndpoint, exclude_fields=["secret"])
