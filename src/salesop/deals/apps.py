from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "salesop.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from salesop.core.audit import audit_register, audit_shown
        from salesop.deals import (  # noqa: F401 (registers them)
            alerts,
            criteria,
            handlers,
            history,
            playbook_hooks,
            selectors,
            timeline,
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
        from salesop.deals.proposals import criteria as proposal_criteria  # noqa: F401

        audit_register(
            Deal,
            # an imported deal's dedupe key is the import's bookkeeping, not the deal's story
            exclude=["version", "updated_at", "stage_due_at", "close_due_at", "import_key"],
            m2m=["shared_with"],
        )
        for model in (Discovery, Need, Question, Stakeholder, ValueRow, ObjectionEntry):
            audit_register(model)
        audit_register(Proposal)
        audit_register(DealObjection)
        audit_shown(Deal, selectors.deal_for)
