from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "salesop.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        import salesop.deals.proposal_criteria  # noqa: F401 (registers them)
        from salesop.deals import alerts, criteria, history, playbook_hooks  # noqa: F401 (registers them)
        from salesop.deals.models import Deal, Discovery, Need, Question, Stakeholder

        auditlog.register(
            Deal,
            exclude_fields=[
                *("version", "updated_at"),
                *("activities", "tasks", "ticks", "stage_events"),  # reverse relations
            ],
            m2m_fields={"shared_with"},
        )
        for model in (Discovery, Need, Question, Stakeholder):
            auditlog.register(model)
