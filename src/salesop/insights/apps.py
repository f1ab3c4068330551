from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "salesop.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from salesop.insights import services  # noqa: F401 (registers the monthly review job)
