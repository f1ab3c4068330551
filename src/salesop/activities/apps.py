from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "salesop.activities"
    label = "activities"
    verbose_name = _("Activities and tasks")

    def ready(self) -> None:
        from salesop.activities import criteria, handlers, imports, timeline  # noqa: F401 (registers them)
        from salesop.activities.models import Activity, Task
        from salesop.core.audit import audit_register

        audit_register(Activity)
        audit_register(Task)
