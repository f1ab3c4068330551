from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salesop.accounts.visibility import OwnedModel, VisibleQuerySet


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    STANDARD = "standard", _("Standard")


class EmployeeBand(models.TextChoices):
    MICRO = "1-49", _("1-49")
    SMALL = "50-199", _("50-199")
    MEDIUM = "200-999", _("200-999")
    LARGE = "1000-4999", _("1,000-4,999")
    ENTERPRISE = "5000+", _("5,000 or more")


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    EXPANSION = "expansion", _("Expanding customer")
    CHURNED = "churned", _("Churned")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    UNKNOWN = "unknown", _("Unknown")


class AccountQuerySet(VisibleQuerySet):
    def visible_to(self, user) -> "AccountQuerySet":
        """Besides owner, team and sharing: the company of any deal the user sees. A rep's deal on
        another team's customer shows the customer to the rep's manager too."""
        if not user.is_authenticated or not user.is_active or user.sees_everything:
            return super().visible_to(user)
        deals = apps.get_model("deals", "Deal").objects.visible_to(user).values("account_id")
        return super().visible_to(user) | self.filter(pk__in=deals)

    def visible_among(self, user, ids) -> "AccountQuerySet":
        """Those of the companies `ids` the user sees, each asked about on its own: for a few
        ids (the search box's), the deal rule as a correlated EXISTS on the company's deals
        rather than the list of every company of every deal the user sees."""
        candidates = self.filter(pk__in=ids)
        if not user.is_authenticated or not user.is_active or user.sees_everything:
            return super(AccountQuerySet, candidates).visible_to(user)
        deals = apps.get_model("deals", "Deal").objects.visible_to(user)
        on_deal = Exists(deals.filter(account_id=OuterRef("pk")))
        return candidates.filter(self.visibility(user) | Q(on_deal))


class Account(OwnedModel):
    """A customer company (客户). Not the `accounts` app, which holds our own people and teams
    (users, roles, teams): the name follows Django's user accounts there and the CRM's
    customer accounts here (docs/ARCHITECTURE.md)."""

    name = models.CharField(_("company name"), max_length=200)
    # Matching key for duplicates (see customers.rules.normalize_company), kept by the services.
    normalized_name = models.CharField(max_length=200, db_index=True, editable=False, default="")
    employee_band = models.CharField(
        _("employees"), max_length=16, choices=EmployeeBand.choices, blank=True
    )
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.PROSPECT
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Fields sales ops added (playbook.FieldDefinition), by key; NULL until one is set.
    # Optimistic lock for edits made on a page read earlier (core.versioned).
    version = models.PositiveIntegerField(default=1, editable=False)
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    AUDIT_VOCABULARIES = {"custom": "custom_fields"}  # keys and choices read as labels

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="account_owner_recent"),
            models.Index(fields=["team", "-created_at", "-id"], name="account_team_recent"),
            models.Index(fields=["-created_at", "-id"], name="account_recent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class ContactQuerySet(models.QuerySet):
    """A person is seen by whoever may see their company."""

    def visible_to(self, user) -> "ContactQuerySet":
        return self.filter(account__in=Account.objects.visible_to(user).values("pk"))

    def visible_among(self, user, ids) -> "ContactQuerySet":
        """Those of the people `ids` the user sees, their companies asked about one by one
        (AccountQuerySet.visible_among)."""
        companies = Contact.objects.filter(pk__in=ids).values("account_id")
        seen = Account.objects.visible_among(user, companies).values("pk")
        return self.filter(pk__in=ids, account__in=seen)


class Contact(models.Model):
    """A person at a customer company. Seen by whoever may see the company."""

    account = models.ForeignKey(
        Account, verbose_name=_("company"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    wechat = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    decision_role = models.CharField(
        _("decision role"),
        max_length=16,
        choices=DecisionRole.choices,
        default=DecisionRole.UNKNOWN,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Fields sales ops added (playbook.FieldDefinition), by key; NULL until one is set.
    # Optimistic lock for edits made on a page read earlier (core.versioned).
    version = models.PositiveIntegerField(default=1, editable=False)
    custom = models.JSONField(_("custom fields"), null=True, blank=True, editable=False)
    AUDIT_VOCABULARIES = {"custom": "custom_fields"}  # keys and choices read as labels

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [  # the search box: a WeChat id in any case, a name's first characters
            models.Index(Lower("wechat"), name="contact_wechat"),
            models.Index(fields=["name"], name="contact_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.account_id]) + f"#contact-{self.pk}"


class AccountMerge(models.Model):
    """A duplicate company folded into another: who did it, when, and what it was called."""

    kept = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="merges")
    merged_id = models.PositiveBigIntegerField()
    merged_name = models.CharField(max_length=200)
    by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    moved = models.JSONField(default=dict)  # what moved over: {"deals": 3, "contacts": 2, ...}

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.kept}"


class ProfileSnapshot(models.Model):
    """A built ideal customer profile ("icp") or win model ("win_model"), with the report that
    shows how well it predicted deals it was not built from."""

    kind = models.CharField(max_length=16)
    built_at = models.DateTimeField(default=timezone.now)
    report = models.JSONField(default=dict)
    params = models.JSONField(default=dict)

    class Meta:
        ordering = ["-built_at", "-id"]
        indexes = [models.Index(fields=["kind", "-built_at"], name="snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.kind} {self.built_at:%Y-%m-%d %H:%M}"


class TrainingRun(models.Model):
    """One rebuild of the profile and the win model, so the page can show how far it is."""

    status = models.CharField(max_length=8, default="queued")  # queued|running|done|failed
    step = models.CharField(max_length=32, blank=True)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)  # why it failed
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"training {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0
