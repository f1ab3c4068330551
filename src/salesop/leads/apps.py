from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "salesop.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from salesop.leads import alerts  # noqa: F401 (registers the lead timers)
        from salesop.leads.models import Channel, Lead

        auditlog.register(
            Lead,
            exclude_fields=[
                "version",
                "updated_at",
                "followup_due_at",
                "first_contact_due_at",
                "events",
                "company_key",
                "phone_e164",
                "email_normalized",
                "icp_fit",
                "win_probability",
                "activities",
                "tasks",
            ],
            m2m_fields={"shared_with"},
        )
        auditlog.register(Channel, exclude_fields=["intake_key_hash"])
