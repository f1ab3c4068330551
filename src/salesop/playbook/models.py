from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlaybookVersion(models.Model):
    """One immutable text of the playbook. Exactly one version is active at a time."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=300)
    text = models.TextField(_("text"))
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("playbook version")
        verbose_name_plural = _("playbook versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="playbook_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}"
