from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.accounts.visibility import OwnedModel
from salesop.core.money import Currency
from salesop.customers.models import EmployeeBand


class ChannelCategory(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")
    INTERNAL = "internal", _("Internal")


class ChannelKind(models.TextChoices):
    INDUSTRY_PLATFORM = "industry_platform", _("Industry platform")
    SOCIAL_MEDIA = "social_media", _("Social media")
    SEARCH_MARKETING = "search_marketing", _("Search marketing")
    WEBSITE = "website", _("Website form")
    TRADE_SHOW = "trade_show", _("Trade show")
    ASSOCIATION_EVENT = "association_event", _("Chamber / association event")
    REFERRAL = "referral", _("Customer referral")
    REPURCHASE = "repurchase", _("Existing-customer repurchase")
    MARKETING_POOL = "marketing_pool", _("Marketing lead pool")
    OTHER = "other", _("Other")


class Channel(models.Model):
    """Where leads come from. Each channel has its own intake key and monthly spend."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=16, choices=ChannelCategory.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=ChannelKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    intake_key_prefix = models.CharField(max_length=16, blank=True, editable=False)
    intake_key_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class ChannelSpend(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="spend")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )

    class Meta:
        verbose_name = _("channel spend")
        verbose_name_plural = _("channel spend")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "month", "currency"], name="spend_once_per_month"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="spend_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.month:%Y-%m}"


class Grade(models.TextChoices):
    A = "A", _("A: high intent, high fit")
    B = "B", _("B: potential")
    C = "C", _("C: to be nurtured")


class Lead(OwnedModel):
    """A possible customer in the lead pool, from any channel, until it becomes a deal or is
    disqualified. `status` takes the playbook's lead statuses."""

    status = models.CharField(_("status"), max_length=32, default="new", db_index=True)
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="leads"
    )
    company_name = models.CharField(_("company"), max_length=200)
    company_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    wechat = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    employee_band = models.CharField(
        _("employees"), max_length=16, choices=EmployeeBand.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    # what the customer said they may spend: the deal's amount when the lead converts
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_currency = models.CharField(
        _("budget currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )

    # Qualification (BANT answers are playbook factor key -> level key).
    bant = models.JSONField(_("BANT answers"), default=dict, blank=True)
    pain_tags = models.JSONField(_("pain points"), default=list, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    disqualify_reason = models.CharField(_("disqualification reason"), max_length=32, blank=True)
    icp_fit = models.FloatField(_("ICP fit"), null=True, blank=True, db_index=True)
    win_probability = models.FloatField(_("predicted win chance"), null=True, blank=True)
    next_touch_at = models.DateTimeField(_("next touch"), null=True, blank=True)

    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("linked company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    deal = models.OneToOneField(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_lead",
    )

    first_contacted_at = models.DateTimeField(_("first contacted"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Deadlines swept by the monitor (see leads.alerts); NULL: nothing due.
    first_contact_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    followup_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    idempotency_key = models.CharField(max_length=100, blank=True, editable=False)
    # SHA-256 of the intake body the key first came with: the key again with another body is
    # refused, not answered with this lead. NULL without a key, and on leads taken before it
    # was kept. Nullable so SQLite adds the column in place: a column with a default makes
    # Django rebuild the table, copying every lead and dropping 0007's search triggers.
    idempotency_body_sha256 = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Fields sales ops added (playbook.FieldDefinition), by key; NULL until one is set.
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Columns holding the playbook's keys: the audit trail shows their labels (core.audit).
    AUDIT_VOCABULARIES = {
        "custom": "custom_fields",
        "status": "lead_statuses",
        "disqualify_reason": "disqualify_reasons",
        "bant": "bant",
    }
    # What the system writes, not a person: the alert timers the sweep claims (core's
    # open_due_rows clears the column as it alerts) and the scores the nightly profiling job
    # derives. Writing only these does not move the version (a rep's open form would answer
    # 409 whenever an alert fired or every morning otherwise).
    UNVERSIONED_FIELDS = ("first_contact_due_at", "followup_due_at", "icp_fit", "win_probability")

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["owner", "status", "-score", "-id"], name="lead_owner_list"),
            models.Index(fields=["team", "status", "-score", "-id"], name="lead_team_list"),
            models.Index(fields=["-created_at", "-id"], name="lead_recent"),
            models.Index(fields=["channel", "-created_at"], name="lead_channel"),
            models.Index(fields=["first_contact_due_at"], name="lead_first_contact_due"),
            models.Index(fields=["followup_due_at"], name="lead_followup_due"),
            # the search box: a WeChat id in any case, a contact name's first characters
            models.Index(Lower("wechat"), name="lead_wechat"),
            models.Index(fields=["contact_name"], name="lead_contact_name"),
            # The reports over the leads created in a period (funnel, grading, compliance,
            # timings) read only these columns: an index-only scan instead of fetching each
            # of a year's 500,000 rows (grading's three queries: 5 s -> 0.6 s on SQLite).
            models.Index(
                fields=[
                    "created_at",
                    "owner",
                    "team",
                    "status",
                    "score",
                    "icp_fit",
                    "deal",
                    "first_contacted_at",
                ],
                name="lead_cohort",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="lead_intake_idempotent",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.company_name} · {self.contact_name}" if self.contact_name else self.company_name
        )

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])


class LeadEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("lead event", "created")
    STATUS = "status", _("status changed")
    GRADED = "graded", _("graded")
    ASSIGNED = "assigned", _("assigned")
    CONVERTED = "converted", _("converted to a deal")
    MERGED = "merged", _("duplicate merged")


class LeadEvent(models.Model):
    """Lead history as rows: status changes, grades, assignments (conversion funnels and
    grading calibration are computed from these)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=LeadEventKind.choices)
    from_value = models.CharField(max_length=64, blank=True)
    to_value = models.CharField(max_length=64, blank=True)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "at"], name="leadevent_kind_at")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_value} → {self.to_value}"


class AssignmentCursor(models.Model):
    """Where round-robin assignment stands in a pool ("team:<id>" or "all"): the last person
    given a lead."""

    scope = models.CharField(max_length=32, unique=True)
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.scope}: {self.last_user}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for its column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """A spreadsheet import, run in the background; its counters are the live progress bar and
    its error report says row, column and reason for every refused row."""

    kind = models.CharField(max_length=16, default="leads")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    columns = models.JSONField(default=list)  # the file's header, in order (jsonb sorts keys)
    mapping = models.JSONField(default=dict)  # file column -> field
    # field -> {a value in the file: ours} (the file's "Prospecting" is our "discovery")
    value_map = models.JSONField(default=dict, blank=True)
    dedupe = models.CharField(max_length=8, default="skip")  # skip | merge | create
    all_or_nothing = models.BooleanField(default=True)
    dry_run = models.BooleanField(default=False)
    date_order = models.CharField(max_length=3, default="ymd")  # ymd | dmy | mdy
    create_owners = models.BooleanField(default=False)  # unknown owners become inactive users
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # The file row (header is 1) up to which a valid-rows run's work is committed, with the
    # counts below: a resumed run starts after it, so no row is written twice.
    committed_row = models.PositiveIntegerField(default=0)
    # The run stopped before its end (its worker died, or an error nobody foresaw stopped it):
    # it may be resumed. Not a run that ended refusing the file or its rows.
    interrupted = models.BooleanField(default=False)
    created_count = models.PositiveIntegerField(default=0)
    merged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # first errors, for the page
    preview = models.JSONField(default=list, blank=True)  # first rows as they would be saved
    error_report = models.FileField(upload_to="imports/reports/", blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def resumable(self) -> bool:
        return self.status == ImportStatus.FAILED and self.interrupted


class ExportJob(models.Model):
    """A lead export written in the background; the page shows its progress and then the file.
    It runs as the user who asked, so it holds exactly what they may see."""

    fmt = models.CharField(max_length=4)  # csv | xlsx
    query = models.CharField(max_length=2000, blank=True)  # the list's filters
    status = models.CharField(
        max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    message = models.CharField(max_length=500, blank=True)  # why it failed
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class SavedMapping(models.Model):
    """The column mapping a person last used for files with these columns: their next file
    from the same system maps itself. Each person's own: one person's mapping (or a dry run's
    trial) silently remapped another team's files."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16)
    signature = models.CharField(max_length=64)  # hash of the sorted column names
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "signature"], name="mapping_once_per_person_and_header"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.signature[:8]}"
