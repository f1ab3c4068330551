from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "salesop.contracts"
    label = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from salesop.contracts import alerts, criteria, handlers, selectors, timeline  # noqa: F401 (registers them)
        from salesop.contracts.models import (
            ClauseDecision,
            Contract,
            ContractClause,
            ContractDocument,
            ContractTemplate,
            Handover,
            LegalReview,
            SigningIncentive,
            TemplateClause,
        )
        from salesop.core.audit import audit_register, audit_shown

        audit_register(ContractTemplate, exclude=["docx"])
        audit_register(TemplateClause)
        audit_register(Contract, exclude=["version", "signing_due_at"])
        audit_register(ContractClause)
        audit_register(LegalReview)
        audit_register(ClauseDecision)
        audit_register(ContractDocument, exclude=["content"])
        audit_register(SigningIncentive)
        audit_register(Handover)
        audit_shown(Contract, selectors.contract_for)
