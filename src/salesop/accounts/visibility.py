"""Who sees which record: the one mechanism every list, page, API endpoint and export uses.

- sales ops (and superusers) see everything;
- a sales manager sees every record of their team's subtree;
- everyone sees the records they own and those shared with them.
Anything else does not exist for the user: fetches answer 404, lists leave it out.
"""

from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import Role, Team

if TYPE_CHECKING:
    from salesop.accounts.models import User


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, user: "User") -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self.all()
        return self.filter(self.visibility(user))

    def visibility(self, user: "User") -> Q:
        """The condition on a record that `user` (active, not seeing everything) sees it."""
        shared = self.model.shared_with.through.objects.filter(user_id=user.pk).values(
            f"{self.model._meta.model_name}_id"
        )
        visible = Q(owner_id=user.pk) | Q(pk__in=shared)
        if Role.MANAGER in user.roles and user.team_id:
            # The subtree's team ids as a subquery: compared on the record's own column, with
            # no join to teams for every row a list reads.
            subtree = Team.objects.filter(path__startswith=user.team.path).values("pk")
            visible |= Q(team_id__in=subtree)
        return visible

    def seen_by(self, user: "User", pk: int) -> bool:
        """Whether the record `pk` is among those `user` sees (one query)."""
        return self.visible_to(user).filter(pk=pk).exists()


def get_visible_or_404(queryset: VisibleQuerySet, user: "User", **lookup: Any) -> Any:
    """The record if it exists and the user may see it; 404 alike for missing and forbidden."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


class OwnedModel(models.Model):
    """A business record with an owner, the owner's team and optional extra viewers."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared with"),
        blank=True,
        related_name="+",
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        abstract = True
