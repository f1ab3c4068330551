from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.accounts.visibility import OwnedModel
from salesop.core.money import Currency, format_money


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(OwnedModel):
    """A sales opportunity (商机) moving through the playbook's stages."""

    name = models.CharField(_("deal name"), max_length=200)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=32)
    status = models.CharField(
        _("status"), max_length=8, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    probability = models.PositiveSmallIntegerField(_("probability (%)"), default=0)
    playbook_version = models.ForeignKey(
        "playbook.PlaybookVersion",
        verbose_name=_("playbook version"),
        on_delete=models.PROTECT,
        related_name="deals",
    )
    stage_entered_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    lost_reason = models.CharField(_("lost reason"), max_length=32, blank=True)
    lost_note = models.TextField(_("lost note"), blank=True, max_length=2000)
    lost_to = models.CharField(_("lost to (competitor)"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A deal brought in by a history import: its natural key (the file's opportunity id, else
    # company, name, dates, amount and outcome), so the same file imported again creates
    # nothing. NULL for deals made here; nullable so SQLite adds the column in place.
    import_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    # Deadlines the monitor's sweeps select on (NULL: nothing due). Set by the services that
    # change their inputs; a sweep claims a due row by clearing its column.
    stage_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Optimistic lock: every state change is an UPDATE ... WHERE version = n.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Alert timers the sweep claims (core's open_due_rows clears the column as it alerts): the
    # system's, not a person's edit, so claiming one does not move the version.
    UNVERSIONED_FIELDS = ("stage_due_at", "close_due_at")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Fields sales ops added (playbook.FieldDefinition), by key; NULL until one is set.
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    # A past deal whose file gave no opening date: created_at is then when it closed (or was
    # imported, if open), and no sales cycle is measured from it (60 days were made up).
    opened_unknown = models.BooleanField(_("opening date unknown"), default=False, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Columns holding the playbook's keys: the audit trail shows their labels (core.audit).
    AUDIT_VOCABULARIES = {
        "stage": "stages",
        "lost_reason": "lost_reasons",
        "custom": "custom_fields",
    }

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # a board's counts and totals per stage read from the index alone
            models.Index(
                fields=["status", "stage", "team", "owner", "currency", "amount"],
                name="deal_board_totals",
            ),
            # a board column: open deals of a stage, most recently moved first
            models.Index(
                fields=["status", "stage", "-stage_entered_at", "-id"], name="deal_board_recent"
            ),
            models.Index(fields=["owner", "status"], name="deal_owner_status"),
            models.Index(fields=["-created_at", "-id"], name="deal_recent"),
            models.Index(fields=["status", "expected_close_date"], name="deal_close_date"),
            models.Index(fields=["stage_due_at"], name="deal_stage_due"),
            models.Index(fields=["close_due_at"], name="deal_close_due"),
            # Reports: the deals closed in a month.
            models.Index(fields=["closed_at"], name="deal_closed"),
            models.Index(fields=["name"], name="deal_name"),  # the search box
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) | models.Q(amount__isnull=True),
                name="deal_amount_not_negative",
            ),
            # partial: SQLite adds it as an index, where a plain one rebuilds the table
            models.UniqueConstraint(
                fields=["import_key"],
                condition=models.Q(import_key__isnull=False),
                name="deal_imported_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("deals:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN


class DealLine(models.Model):
    """A product a deal sold, as a history import's file says it (history has no quotes): what
    the per-product reports and the co-purchase recommendations read for an imported deal,
    where a deal made here has the lines of its signed contract's quote."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "pricing.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )

    class Meta:
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.deal}: {self.product}"


class StageEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("stage event", "created")
    MOVED = "moved", pgettext_lazy("stage event", "moved")
    WON = "won", pgettext_lazy("stage event", "won")
    LOST = "lost", pgettext_lazy("stage event", "lost")
    REOPENED = "reopened", pgettext_lazy("stage event", "reopened")


class StageEvent(models.Model):
    """One stage change: the row every cycle-time and conversion figure is computed from."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_events")
    kind = models.CharField(max_length=10, choices=StageEventKind.choices)
    from_stage = models.CharField(_("from"), max_length=32, blank=True)
    to_stage = models.CharField(_("to"), max_length=32)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seconds_in_previous = models.PositiveIntegerField(default=0)
    override_reason = models.TextField(_("override reason"), blank=True)
    unmet = models.JSONField(_("unmet criteria"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=32, blank=True)
    playbook_version = models.ForeignKey(
        "playbook.PlaybookVersion", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("stage event")
        verbose_name_plural = _("stage events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deal", "at"], name="stageevent_deal_at"),
            models.Index(fields=["at", "to_stage"], name="stageevent_at_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} → {self.to_stage}"

    @property
    def is_override(self) -> bool:
        return bool(self.override_reason)


class ChecklistTick(models.Model):
    """A checklist item of a stage, ticked: who and when."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="ticks")
    stage = models.CharField(max_length=32)
    item = models.CharField(max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        constraints = [
            models.UniqueConstraint(fields=["deal", "stage", "item"], name="tick_unique_item")
        ]

    def __str__(self) -> str:
        return f"{self.stage}/{self.item}"


# --- Discovery (SOP part 2) ---------------------------------------------------------------------


class QuestionLayer(models.TextChoices):
    SURFACE = "surface", _("Surface needs")
    DEEP = "deep", _("Deep needs")


class Question(models.Model):
    """An entry of the question bank sales ops maintain: one question per industry (blank: any)
    and SOP layer. Closed questions are kept but flagged, since the SOP asks for open ones."""

    text = models.CharField(_("question"), max_length=300)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    layer = models.CharField(_("layer"), max_length=8, choices=QuestionLayer.choices)
    is_open = models.BooleanField(_("open question"), default=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("question bank")
        ordering = ["layer", "industry", "id"]
        constraints = [
            models.UniqueConstraint(fields=["text", "industry"], name="question_unique_text")
        ]

    def __str__(self) -> str:
        return self.text


class CallPlanItem(models.Model):
    """A question picked into the deal's call plan, with what the customer answered."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="call_plan")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "question"], name="callplan_unique_question")
        ]

    def __str__(self) -> str:
        return str(self.question)


class NeedKind(models.TextChoices):
    FEATURE = "feature", _("Feature")
    BUDGET = "budget", _("Budget range")
    STRATEGIC_GOAL = "strategic_goal", _("Strategic goal")
    HIDDEN_PAIN = "hidden_pain", _("Hidden pain")

    @classmethod
    def layer_of(cls, kind: str) -> str:
        surface = {cls.FEATURE, cls.BUDGET}
        return QuestionLayer.SURFACE if kind in surface else QuestionLayer.DEEP


class Need(models.Model):
    """One need heard in discovery, in our words and in the customer's own words."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("kind"), max_length=16, choices=NeedKind.choices)
    layer = models.CharField(max_length=8, choices=QuestionLayer.choices, editable=False)
    summary = models.CharField(_("need"), max_length=300)
    customer_words = models.TextField(_("in the customer's words"), blank=True, max_length=2000)
    budget_min = models.DecimalField(
        _("budget from"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_max = models.DecimalField(
        _("budget to"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    confirmed = models.BooleanField(_("confirmed"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["layer", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="need_budget_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.summary


class RecapStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("recap", "Draft")
    SENT = "sent", pgettext_lazy("recap", "Sent")
    CONFIRMED = "confirmed", pgettext_lazy("recap", "Confirmed by the customer")
    MARKED = "marked", pgettext_lazy("recap", "Marked confirmed by the rep")
    CORRECTED = "corrected", pgettext_lazy("recap", "Corrected by the customer")


class Discovery(models.Model):
    """The deal's discovery workspace: prep notes and the recap the customer confirms."""

    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="discovery")
    industry_news = models.TextField(_("industry news"), blank=True, max_length=5000)
    competitor_moves = models.TextField(_("competitor moves"), blank=True, max_length=5000)
    recap_text = models.TextField(_("recap"), blank=True, max_length=5000)
    recap_language = models.CharField(_("recap language"), max_length=8, blank=True)
    recap_status = models.CharField(
        _("recap status"), max_length=10, choices=RecapStatus.choices, default=RecapStatus.DRAFT
    )
    recap_sent_at = models.DateTimeField(null=True, blank=True)
    recap_confirmed_at = models.DateTimeField(null=True, blank=True)
    recap_confirmed_note = models.CharField(
        _("how the customer confirmed"), max_length=300, blank=True
    )
    recap_correction = models.TextField(_("the customer's correction"), blank=True, max_length=5000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("discovery")
        verbose_name_plural = _("discoveries")

    def __str__(self) -> str:
        return str(self.deal)


class RecapLink(models.Model):
    """A one-time link that lets the customer confirm or correct the recap in their own words.
    It answers for the recap text it was sent with: once the rep changes the recap, the link
    is closed and a new one must be sent."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="recap_links")
    token_hash = models.CharField(max_length=64, unique=True)
    recap_text = models.TextField(max_length=5000)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("sent to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    confirmed = models.BooleanField(null=True)
    customer_words = models.TextField(blank=True, max_length=5000)

    class Meta:
        verbose_name = _("recap link")
        verbose_name_plural = _("recap links")

    def __str__(self) -> str:
        return f"{self.deal} ({self.sent_at:%Y-%m-%d})"


class KeywordTag(models.Model):
    """A key phrase found in the deal's notes; confirmed pain tags feed lead and ICP analytics."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="keywords")
    term = models.CharField(_("keyword"), max_length=40)
    weight = models.FloatField(default=0)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    is_pain = models.BooleanField(_("pain point"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["-confirmed", "-weight", "id"]
        constraints = [models.UniqueConstraint(fields=["deal", "term"], name="keyword_unique")]
        indexes = [models.Index(fields=["is_pain", "confirmed", "term"], name="keyword_pain")]

    def __str__(self) -> str:
        return self.term


class CallTranscript(models.Model):
    """A call's transcript, reduced to the figures the SOP's 80/20 listening guideline needs."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="transcripts")
    filename = models.CharField(max_length=200, blank=True)
    rep_speaker = models.CharField(_("rep's speaker label"), max_length=60)
    speakers = models.JSONField(default=dict)  # label -> characters spoken
    rep_share_pct = models.DecimalField(max_digits=5, decimal_places=1)
    open_questions = models.PositiveIntegerField(default=0)
    closed_questions = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call transcript")
        verbose_name_plural = _("call transcripts")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"#{self.pk}"


# --- Decision chain (SOP part 3) ----------------------------------------------------------------


class StakeholderRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    FINANCE = "finance", pgettext_lazy("stakeholder", "Finance")
    PURCHASING = "purchasing", _("Purchasing")
    TECHNICAL = "technical", _("Technical")
    USER_DEPARTMENT = "user_department", _("User department")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    BLOCKER = "blocker", _("Blocker")


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", _("Supporter")
    NEUTRAL = "neutral", _("Neutral")
    SCEPTIC = "sceptic", _("Sceptic")
    OPPONENT = "opponent", _("Opponent")
    UNKNOWN = "unknown", pgettext_lazy("attitude", "Unknown")


class Stakeholder(models.Model):
    """A person of the customer's decision chain on this deal."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stakeholders")
    contact = models.ForeignKey(
        "customers.Contact", verbose_name=_("contact"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=StakeholderRole.choices)
    attitude = models.CharField(
        _("attitude"), max_length=10, choices=Attitude.choices, default=Attitude.UNKNOWN
    )
    last_engaged_at = models.DateTimeField(_("last engaged"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["role", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="stakeholder_unique_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.get_role_display()})"


# --- Proposals (SOP part 3: pain, solution, quantified value) -----------------------------------


class ProposalAudience(models.TextChoices):
    FULL = "full", pgettext_lazy("proposal audience", "Full proposal")
    TECHNICAL = "technical", _("Technical detail")
    EXECUTIVE = "executive", _("ROI summary")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("proposal", "Draft")
    DELIVERED = "delivered", pgettext_lazy("proposal", "Delivered")


class Proposal(models.Model):
    """One version of the deal's proposal. A delivered version is kept as it was shown; a new
    version starts as a copy of the previous one."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField(_("version"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(
        _("audience"), max_length=10, choices=ProposalAudience.choices, default="full"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default="draft"
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    # ROI calculator inputs, kept so the figures can be recomputed and shown again.
    roi_investment = models.DecimalField(
        _("investment"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    roi_benefits = models.JSONField(_("yearly benefits"), default=list, blank=True)
    roi_horizon_years = models.PositiveSmallIntegerField(_("horizon (years)"), default=3)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    presented_activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "number"], name="proposal_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("deals:proposal", args=[self.deal_id, self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == ProposalStatus.DRAFT


class ValueRow(models.Model):
    """One line of the proposal: the customer's pain, our answer, and what it is worth."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField(default=0)
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="value_rows",
    )
    pain = models.CharField(_("pain"), max_length=300)
    solution = models.TextField(_("solution"), max_length=2000)
    value = models.CharField(pgettext_lazy("proposal", "value"), max_length=300)
    amount = models.DecimalField(
        _("quantified amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("currency or unit"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("value row")
        verbose_name_plural = _("value rows")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.value

    @property
    def amount_display(self) -> str:
        if self.amount is None:
            return ""
        if self.unit in Currency.values:
            return format_money(self.amount, self.unit)
        return f"{self.amount.normalize():f} {self.unit}".strip()


class ProposalTemplate(models.Model):
    """A Word template sales ops uploaded for proposal export; the newest active one is used."""

    number = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(editable=False)
    active = models.BooleanField(_("active"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("proposal template")
        verbose_name_plural = _("proposal templates")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"


# --- Objections (SOP part 3: anticipate, acknowledge, answer) -----------------------------------


class ObjectionCategory(models.TextChoices):
    PRICE = "price", _("Price")
    IMPLEMENTATION_TIME = "implementation_time", _("Implementation time")
    COMPETITOR = "competitor", _("Competitor")
    RISK = "risk", _("Risk")
    TIMING = "timing", pgettext_lazy("objection", "Timing")
    AUTHORITY = "authority", _("Authority")
    OTHER = "other", pgettext_lazy("objection", "Other")


class ObjectionEntry(models.Model):
    """A library answer sales ops maintain: acknowledge the feeling, then answer with data."""

    category = models.CharField(_("category"), max_length=20, choices=ObjectionCategory.choices)
    industry = models.CharField(
        _("industry"), max_length=100, blank=True, help_text=_("Blank: every industry.")
    )
    objection = models.CharField(_("objection"), max_length=300)
    acknowledge = models.TextField(_("acknowledge first"), max_length=1000)
    answer = models.TextField(_("recommended answer"), max_length=2000)
    evidence = models.TextField(_("supporting data or case"), blank=True, max_length=2000)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("objection answer")
        verbose_name_plural = _("objection library")
        ordering = ["category", "industry", "id"]
        constraints = [
            models.UniqueConstraint(fields=["objection", "industry"], name="objection_unique_text")
        ]
        indexes = [models.Index(fields=["active", "industry"], name="objection_industry")]

    def __str__(self) -> str:
        return self.objection


class DealObjection(models.Model):
    """An objection the customer raised on this deal, the answer used, and whether it held."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="objections")
    entry = models.ForeignKey(
        ObjectionEntry,
        verbose_name=_("library answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uses",
    )
    category = models.CharField(_("category"), max_length=20, choices=ObjectionCategory.choices)
    customer_words = models.TextField(_("what the customer said"), max_length=2000)
    answer_used = models.TextField(_("answer used"), blank=True, max_length=2000)
    resolved = models.BooleanField(pgettext_lazy("objection", "resolved"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("deal objection")
        verbose_name_plural = _("deal objections")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["category", "resolved"], name="objection_category")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.customer_words[:40]}"
