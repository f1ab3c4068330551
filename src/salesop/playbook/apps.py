from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybookConfig(AppConfig):
    name = "salesop.playbook"
    label = "playbook"
    verbose_name = _("Playbook")

    def ready(self) -> None:
        from salesop.core.audit import audit_register
        from salesop.playbook import vocabularies  # noqa: F401 (the audit trail's labels)
        from salesop.playbook.models import FieldDefinition, PlaybookVersion

        audit_register(PlaybookVersion, exclude=["text"])
        audit_register(FieldDefinition, exclude=["version"])
