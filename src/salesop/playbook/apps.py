from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybookConfig(AppConfig):
    name = "salesop.playbook"
    label = "playbook"
    verbose_name = _("Playbook")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.playbook.models import PlaybookVersion

        auditlog.register(PlaybookVersion, exclude_fields=["text"])
