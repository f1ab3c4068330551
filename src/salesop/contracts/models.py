"""Contract templates made of named clauses, contracts generated from an approved quote, the
legal review rounds, the archive of every file with its checksum, signing incentives, and the
hand-over a won deal leaves for delivery."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesop.core.bilingual import in_language
from salesop.core.money import Currency, format_money


class Risk(models.TextChoices):
    STANDARD = "standard", pgettext_lazy("clause risk", "Standard")
    SPECIAL = "special", _("Special risk")


class ContractTemplate(models.Model):
    """One version of a standard contract. Changing a template makes a new version with the
    same code; contracts keep the version they were made from."""

    code = models.SlugField(_("code"), max_length=40)
    number = models.PositiveIntegerField(_("version"), default=1, editable=False)
    name = models.CharField(_("name"), max_length=200)
    # The Word file (docxtpl placeholders); empty: the template salesop ships.
    docx = models.BinaryField(blank=True, null=True, editable=False)
    docx_name = models.CharField(_("Word file"), max_length=200, blank=True)
    # Only the newest version of a code is offered for new contracts.
    current = models.BooleanField(default=True, editable=False)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["code", "number"], name="contracttemplate_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(current=True), name="contracttemplate_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:template", args=[self.pk])


class TemplateClause(models.Model):
    template = models.ForeignKey(ContractTemplate, on_delete=models.CASCADE, related_name="clauses")
    key = models.SlugField(_("key"), max_length=32)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("standard text"), max_length=10000)
    risk = models.CharField(
        _("risk class"), max_length=10, choices=Risk.choices, default=Risk.STANDARD
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="templateclause_unique_key")
        ]

    def __str__(self) -> str:
        return self.title


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In legal review")
    RETURNED = "returned", _("Returned by legal")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent for signature")
    SIGNED = "signed", _("Signed")
    ARCHIVED = "archived", _("Archived")
    CANCELLED = "cancelled", _("Cancelled")


EDITABLE_STATUSES = (ContractStatus.DRAFT, ContractStatus.RETURNED, ContractStatus.APPROVED)
OPEN_STATUSES = (
    ContractStatus.DRAFT,
    ContractStatus.IN_REVIEW,
    ContractStatus.RETURNED,
    ContractStatus.APPROVED,
    ContractStatus.SENT,
)
CLEARED_STATUSES = (
    ContractStatus.APPROVED,
    ContractStatus.SENT,
    ContractStatus.SIGNED,
    ContractStatus.ARCHIVED,
)
SIGNED_STATUSES = (ContractStatus.SIGNED, ContractStatus.ARCHIVED)


class Contract(models.Model):
    """A contract for a deal, made from an approved quote and one template version: the
    parties and commercial terms copied from the quote, and the clauses as the rep words
    them."""

    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), on_delete=models.CASCADE, related_name="contracts"
    )
    quote = models.ForeignKey(
        "pricing.Quote", verbose_name=_("quote"), on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        ContractTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("contract number"), max_length=20, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    customer = models.CharField(_("customer"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    payment_term_days = models.PositiveSmallIntegerField(_("payment term (days)"))
    # The quote's concessions when the contract was made: [{"key", "label_zh", "label_en"}].
    concessions = models.JSONField(_("concessions"), default=list, blank=True)
    target_signing_date = models.DateField(_("target signing date"), null=True, blank=True)
    # When the target date passes unsigned (swept by the monitor: contract.signing_overdue).
    signing_due_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # Keys of the playbook's signing documents that are ready.
    documents_ready = models.JSONField(_("documents ready"), default=list, blank=True)
    review_skipped = models.BooleanField(_("legal review skipped"), default=False, editable=False)
    cleared_at = models.DateTimeField(_("legal clearance"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Alert timers the sweep claims (core's open_due_rows clears the column as it alerts): the
    # system's, not a person's edit, so claiming one does not move the version.
    UNVERSIONED_FIELDS = ("signing_due_at",)
    # Columns holding the playbook's keys: the audit trail shows their labels (core.audit).
    AUDIT_VOCABULARIES = {"documents_ready": "contract_documents"}

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="contract_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="contract_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.number or _("contract draft %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    # Alerts address the deal's owner and team.
    @property
    def owner(self):
        return self.deal.owner

    @property
    def team(self):
        return self.deal.team

    @property
    def amount_display(self) -> str:
        return format_money(self.amount, self.currency)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def cleared(self) -> bool:
        return self.status in CLEARED_STATUSES

    def concession_labels(self) -> list[str]:
        return [
            in_language(c.get("label_zh"), c.get("label_en")) or c["key"] for c in self.concessions
        ]


class ContractClause(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    key = models.SlugField(max_length=32)
    title = models.CharField(_("title"), max_length=100)
    standard_text = models.TextField(editable=False)
    text = models.TextField(_("text"), max_length=10000)
    risk = models.CharField(max_length=10, choices=Risk.choices, default=Risk.STANDARD)
    position = models.PositiveSmallIntegerField(default=0)
    # Set by the service on every edit: the text differs from the standard beyond whitespace
    # and punctuation width, and whether that deviation must go to legal.
    deviates = models.BooleanField(default=False, editable=False)
    needs_review = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["contract", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "key"], name="contractclause_unique_key")
        ]

    def __str__(self) -> str:
        return self.title


class ReviewOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned to the rep")


class LegalReview(models.Model):
    """One round of legal review: opened when the rep submits, closed by legal's decision."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField(default=1)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # The clause keys that sent it to legal, with why: [{"key", "reason"}].
    reasons = models.JSONField(default=list)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("legal review")
        verbose_name_plural = _("legal reviews")
        ordering = ["contract", "round"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "round"], name="legalreview_round")
        ]

    def __str__(self) -> str:
        return f"{self.contract} #{self.round}"


class ClauseVerdict(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    PROPOSE = "propose", _("Propose wording")


class ClauseDecision(models.Model):
    review = models.ForeignKey(LegalReview, on_delete=models.CASCADE, related_name="decisions")
    clause = models.ForeignKey(ContractClause, on_delete=models.CASCADE, related_name="decisions")
    # The clause text legal decided on, so a later edit cannot change what was accepted.
    text = models.TextField(editable=False)
    verdict = models.CharField(_("decision"), max_length=10, choices=ClauseVerdict.choices)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    proposed_text = models.TextField(_("proposed wording"), max_length=10000, blank=True)

    class Meta:
        ordering = ["review", "clause__position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "clause"], name="clausedecision_once")
        ]

    def __str__(self) -> str:
        return f"{self.clause}: {self.verdict}"


class DocumentKind(models.TextChoices):
    GENERATED = "generated", _("Generated contract (Word)")
    PDF = "pdf", _("Generated contract (PDF)")
    SIGNED = "signed", _("Signed copy")


class ContractDocument(models.Model):
    """One archived file of a contract, never changed: its SHA-256 proves a copy unchanged."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # What the contract was when the file was made (draft, approved, sent, signed).
    status = models.CharField(max_length=10, choices=ContractStatus.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contract file")
        verbose_name_plural = _("contract files")
        ordering = ["contract", "created_at", "id"]

    def __str__(self) -> str:
        return self.name


class IncentiveStatus(models.TextChoices):
    OFFERED = "offered", pgettext_lazy("incentive status", "Offered")
    PENDING = "pending", pgettext_lazy("incentive status", "Waiting for approval")
    REJECTED = "rejected", pgettext_lazy("incentive status", "Not approved")


class SigningIncentive(models.Model):
    """A time-limited reason to sign now ("sign this month and training is free"), drawn from
    the price policy's allowed concessions; one that needs approval waits for it."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="incentives")
    key = models.SlugField(max_length=40)
    label_zh = models.CharField(max_length=100)
    label_en = models.CharField(max_length=100)
    valid_until = models.DateField(_("valid until"))
    approval = models.OneToOneField(
        "pricing.Approval", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("message to the customer"), max_length=500, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    offered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["contract", "-offered_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.label_zh, self.label_en)

    @property
    def status(self) -> str:
        from salesop.pricing.models import ApprovalStatus

        if self.approval is None or self.approval.status == ApprovalStatus.APPROVED:
            return IncentiveStatus.OFFERED
        if self.approval.status == ApprovalStatus.PENDING:
            return IncentiveStatus.PENDING
        return IncentiveStatus.REJECTED

    @property
    def status_label(self) -> str:
        return IncentiveStatus(self.status).label


class Handover(models.Model):
    """What a won deal hands to delivery: the signed scope and the account's team. The
    after-sales app turns it into a delivery project and stamps `consumed_at`."""

    deal = models.OneToOneField("deals.Deal", on_delete=models.CASCADE, related_name="handover")
    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="handover")
    account = models.ForeignKey("customers.Account", on_delete=models.PROTECT, related_name="+")
    # [{"description", "quantity", "net_amount"}] from the signed quote.
    scope = models.JSONField(default=list)
    # The selling side and the customer's people: {"owner", "team", "stakeholders": [...]}.
    people = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hand-over to delivery")
        verbose_name_plural = _("hand-overs to delivery")

    def __str__(self) -> str:
        return str(self.deal)
