"""After-sales (SOP part 5): the delivery project a won deal hands over, with its team,
milestones and weekly progress updates; customer tickets with their SLA clocks; the per-account
link customers open and follow tickets through."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.accounts.visibility import OwnedModel
from salesop.core.time import company_today


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("In delivery")
    ON_HOLD = "on_hold", _("On hold")
    DONE = "done", _("Delivered")


class Health(models.TextChoices):
    GREEN = "green", _("On track")
    YELLOW = "yellow", _("At risk")
    RED = "red", _("Off track")


class DeliveryRole(models.TextChoices):
    PROJECT_MANAGER = "project_manager", _("Project manager")
    TECH_SUPPORT = "tech_support", _("Technical support")
    CUSTOMER_SUCCESS = "customer_success", _("Customer success")


class DeliveryProject(OwnedModel):
    """A won deal's delivery. Owned by the project manager; the deal's owner and the delivery
    team share it, so each sees it in their lists."""

    deal = models.OneToOneField(
        "deals.Deal", verbose_name=_("deal"), on_delete=models.PROTECT, related_name="project"
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    handover = models.OneToOneField(
        "contracts.Handover",
        verbose_name=_("handover"),
        on_delete=models.PROTECT,
        related_name="project",
    )
    name = models.CharField(_("project"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    health = models.CharField(
        _("health"), max_length=10, choices=Health.choices, default=Health.GREEN
    )
    started_on = models.DateField(_("started"), default=company_today)
    # The next weekly update to the customer is due by then (swept: project.update_missing).
    update_due_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Fields sales ops added (playbook.FieldDefinition), by key; NULL until one is set.
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    AUDIT_VOCABULARIES = {"custom": "custom_fields"}  # keys and choices read as labels
    version = models.PositiveIntegerField(default=1, editable=False)
    # Alert timers the sweep claims (core's open_due_rows clears the column as it alerts): the
    # system's, not a person's edit, so claiming one does not move the version.
    UNVERSIONED_FIELDS = ("update_due_at",)

    class Meta:
        verbose_name = _("delivery project")
        verbose_name_plural = _("delivery projects")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("aftersales:project", args=[self.pk])


class ProjectMember(models.Model):
    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=20, choices=DeliveryRole.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["project", "role"]
        constraints = [
            models.UniqueConstraint(fields=["project", "role"], name="projectmember_one_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.user}"


class Milestone(models.Model):
    project = models.ForeignKey(
        DeliveryProject, on_delete=models.CASCADE, related_name="milestones"
    )
    key = models.SlugField(max_length=32, blank=True)
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["project", "due_on", "position", "id"]

    def __str__(self) -> str:
        return self.title


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", pgettext_lazy("progress update", "Sent by email")
    MARKED = "marked", pgettext_lazy("progress update", "Marked as sent")


class ProgressUpdate(models.Model):
    """One weekly update to the customer, drafted from the milestones, edited, then emailed
    or marked as sent another way."""

    project = models.ForeignKey(DeliveryProject, on_delete=models.CASCADE, related_name="updates")
    week = models.DateField(_("week of"))  # its Monday
    text = models.TextField(_("update"), max_length=5000)
    language = models.CharField(max_length=8, default="zh-hans")
    recipients = models.CharField(_("to"), max_length=500, blank=True)
    status = models.CharField(
        max_length=8, choices=UpdateStatus.choices, default=UpdateStatus.DRAFT
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "-week", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "week"], name="progressupdate_one_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.week}"


class TicketChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    PORTAL = "portal", _("Customer link")
    ONSITE = "onsite", _("On site")


class TicketStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    RESPONDED = "responded", _("Responded")
    DIRECTION = "direction", _("Solution direction given")
    RESOLVED = "resolved", _("Resolved")


class Ticket(OwnedModel):
    """A customer's issue with two SLA clocks: a first response, and a solution direction.
    The due times are stored when the ticket opens; the `*_alert_at` columns are what the
    monitor sweeps and claims."""

    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    project = models.ForeignKey(
        DeliveryProject,
        verbose_name=_("delivery project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    number = models.CharField(_("ticket"), max_length=20, blank=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=TicketChannel.choices)
    severity = models.CharField(_("severity"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)
    reporter = models.CharField(_("reported by"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    first_response_due_at = models.DateTimeField(_("first response due"))
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    direction_due_at = models.DateTimeField(_("solution direction due"))
    direction_at = models.DateTimeField(_("solution direction given"), null=True, blank=True)
    direction = models.TextField(_("solution direction"), max_length=5000, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # How long each clock ran past its due time, recorded when it stopped (seconds).
    response_breach_seconds = models.PositiveIntegerField(
        _("first response late by (seconds)"), null=True, blank=True
    )
    direction_breach_seconds = models.PositiveIntegerField(
        _("solution direction late by (seconds)"), null=True, blank=True
    )
    response_alert_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    direction_alert_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Fields sales ops added (playbook.FieldDefinition), by key; NULL until one is set.
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    # Alert timers the sweep claims (core's open_due_rows clears the column as it alerts): the
    # system's, not a person's edit, so claiming one does not move the version.
    UNVERSIONED_FIELDS = ("response_alert_at", "direction_alert_at")
    # Columns holding the playbook's keys: the audit trail shows their labels (core.audit).
    AUDIT_VOCABULARIES = {"severity": "ticket_severities", "custom": "custom_fields"}

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "direction_due_at"], name="ticket_queue"),
            models.Index(fields=["account", "-opened_at"], name="ticket_account"),
            models.Index(fields=["number"], name="ticket_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("aftersales:ticket", args=[self.pk])


class TicketMessage(models.Model):
    """What was said on a ticket, by staff or by the customer through their link."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    customer_name = models.CharField(max_length=100, blank=True)  # when the customer wrote
    body = models.TextField(max_length=5000)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ticket", "at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class PortalLink(models.Model):
    """The link an account's people use, without logging in, to open and follow that
    account's tickets. Only the token's hash is stored; revoking ends it."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.account)


class SurveyTrigger(models.TextChoices):
    MILESTONE = "milestone", _("Milestone")
    TICKET = "ticket", _("Resolved ticket")
    REVISIT = "revisit", _("Revisit")


class Survey(models.Model):
    """One survey sent through a one-time link: NPS (0-10), CSAT (1-5) and free text, tied to
    the account, the project and what prompted it (the SOP stage it measures)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="surveys"
    )
    project = models.ForeignKey(
        DeliveryProject, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(_("after"), max_length=10, choices=SurveyTrigger.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("likely to recommend (0-10)"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    follow_up = models.ForeignKey(
        "activities.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account} {self.get_trigger_display()}"


class RevisitForm(models.TextChoices):
    VISIT = "visit", _("On-site visit")
    QUESTIONNAIRE = "questionnaire", _("Online questionnaire")
    SALON = "salon", _("Industry salon invitation")


class RevisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", pgettext_lazy("revisit status", "Done")
    SKIPPED = "skipped", _("Skipped")


class Revisit(models.Model):
    """A periodic revisit of a customer (周期性回访): planned from the tier's cadence, then
    recorded with the SOP's topics."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="revisits"
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    # The tier and cadence it was planned from: a tier change replans the future ones.
    tier = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=8, choices=RevisitStatus.choices, default=RevisitStatus.PLANNED
    )
    form = models.CharField(_("form"), max_length=16, choices=RevisitForm.choices, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)
    product_experience = models.TextField(_("product experience"), max_length=5000, blank=True)
    new_needs = models.TextField(_("new needs"), max_length=5000, blank=True)
    competitor_news = models.TextField(_("competitor news"), max_length=5000, blank=True)
    competitor = models.CharField(_("competitor"), max_length=100, blank=True, db_index=True)

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "status", "due_on"], name="revisit_owner_due")]

    def __str__(self) -> str:
        return f"{self.account} {self.due_on}"


class OpportunitySource(models.TextChoices):
    REVISIT = "revisit", _("New need from a revisit")
    RECOMMENDATION = "recommendation", _("Growth recommendation")


class Opportunity(models.Model):
    """Where a growth deal came from: a need heard on a revisit, or an accepted
    recommendation (with the reason it was made)."""

    account = models.ForeignKey("customers.Account", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=OpportunitySource.choices)
    revisit = models.ForeignKey(
        Revisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        "pricing.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    deal = models.OneToOneField(
        "deals.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="growth_source"
    )
    lead = models.OneToOneField(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="growth_source"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.account} {self.get_source_display()}"


class GrowthStage(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    STABLE = "stable", _("Stable")
    EXPANSION = "expansion", _("Expansion")
    TRANSFORMATION = "transformation", _("Transformation")
    AT_RISK = "at_risk", _("At risk")


class AccountGrowth(models.Model):
    """A customer's stage in its lifecycle with us (价值深耕): set by hand, or suggested by the
    playbook's rules with the reason."""

    account = models.OneToOneField(
        "customers.Account", on_delete=models.CASCADE, related_name="growth"
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=GrowthStage.choices, default=GrowthStage.ONBOARDING
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("customer stage")
        verbose_name_plural = _("customer stages")

    def __str__(self) -> str:
        return f"{self.account}: {self.get_stage_display()}"


class Churn(models.Model):
    """A customer lost (客户流失): why, from the playbook's churn reasons, and to whom."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="churns"
    )
    reason = models.CharField(_("reason"), max_length=32)
    competitor = models.CharField(_("lost to (competitor)"), max_length=100, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("churn")
        verbose_name_plural = _("churns")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.account} {self.reason}"


class CalendarFeed(models.Model):
    """A user's revisit calendar as an ICS feed address; only the token's hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.user)
