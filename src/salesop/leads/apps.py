from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "salesop.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from salesop.core.audit import audit_register, audit_shown
        from salesop.leads import (  # noqa: F401 (register lead timers, job kinds, subscribers)
            alerts,
            handlers,
            imports,
            selectors,
            tasks,
            timeline,
        )
        from salesop.leads.models import Channel, Lead

        audit_register(
            Lead,
            exclude=[
                "version",
                "updated_at",
                "followup_due_at",
                "first_contact_due_at",
                "company_key",
                "phone_e164",
                "email_normalized",
                "icp_fit",
                "win_probability",
                # an intake request's retry key and body digest: the API's bookkeeping
                "idempotency_key",
                "idempotency_body_sha256",
            ],
            m2m=["shared_with"],
        )
        audit_register(Channel, exclude=["intake_key_hash"])
        audit_shown(Lead, selectors.lead_for)
