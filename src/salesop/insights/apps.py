from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "salesop.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        # They register the nightly aggregates and the monthly review: the worker imports only
        # the apps' tasks modules, so a job registered elsewhere would never run there.
        from salesop.insights import aggregates, services  # noqa: F401
