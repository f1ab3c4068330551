from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "salesop.monitor"
    label = "monitor"
    verbose_name = _("Process supervision")

    def ready(self) -> None:
        from salesop.core.audit import audit_register
        from salesop.monitor import tasks  # noqa: F401 (registers the scheduled runs' job kind)
        from salesop.monitor.models import WebhookEndpoint

        audit_register(WebhookEndpoint, exclude=["secret"])
