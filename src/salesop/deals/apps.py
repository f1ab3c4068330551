from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "salesop.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.deals import (  # noqa: F401 (registers them)
            alerts,
            criteria,
            history,
            playbook_hooks,
            proposal_criteria,
        )
        from salesop.deals.models import (
            Deal,
            DealObjection,
            Discovery,
            Need,
            ObjectionEntry,
            Proposal,
            Question,
            Stakeholder,
            ValueRow,
        )

        auditlog.register(
            Deal,
            exclude_fields=[
                *("version", "updated_at"),
                *("activities", "tasks", "ticks", "stage_events"),  # reverse relations
            ],
            m2m_fields={"shared_with"},
        )
        for model in (Discovery, Need, Question, Stakeholder, ValueRow, ObjectionEntry):
            auditlog.register(model)
        auditlog.register(Proposal, exclude_fields=["rows"])
        auditlog.register(DealObjection)
