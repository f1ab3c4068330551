from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "salesop.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        from salesop.aftersales import alerts, handlers, selectors, timeline  # noqa: F401 (registers them)
        from salesop.aftersales.models import (
            AccountGrowth,
            Churn,
            DeliveryProject,
            Milestone,
            Opportunity,
            PortalLink,
            ProgressUpdate,
            ProjectMember,
            Revisit,
            Survey,
            Ticket,
            TicketMessage,
        )
        from salesop.core.audit import audit_register, audit_shown

        audit_register(DeliveryProject, exclude=["version", "update_due_at"], m2m=["shared_with"])
        audit_register(ProjectMember)
        audit_register(Milestone)
        audit_register(ProgressUpdate)
        audit_register(Ticket, exclude=["version", "response_alert_at", "direction_alert_at"])
        audit_register(TicketMessage)
        audit_register(PortalLink, exclude=["token_hash"])
        audit_register(Survey, exclude=["token_hash"])
        audit_register(Revisit)
        audit_register(Opportunity)
        audit_register(Churn)
        audit_register(AccountGrowth)
        audit_shown(DeliveryProject, selectors.project_for)
        audit_shown(Ticket, selectors.ticket_for)
