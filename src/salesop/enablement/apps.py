from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnablementConfig(AppConfig):
    name = "salesop.enablement"
    label = "enablement"
    verbose_name = _("Enablement")

    def ready(self) -> None:
        from salesop.core.audit import audit_register
        from salesop.enablement import criteria, handlers  # noqa: F401 (registers them)
        from salesop.enablement.models import (
            Certification,
            Course,
            Enrollment,
            ModuleResult,
            RolePlaySession,
        )

        for model in (Course, Enrollment, ModuleResult, RolePlaySession, Certification):
            audit_register(model)
