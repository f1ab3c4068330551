from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from salesop.accounts import services
from salesop.accounts.models import ApiToken, RoleGrant, Team, User
from salesop.accounts.rules import team_move_creates_cycle


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleGrantInline]
    list_display = ["username", "full_name", "email", "team", "is_active"]
    list_filter = ["is_active", "team", "role_grants__role"]
    list_select_related = ["team"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("salesop"), {"fields": ["full_name", "team", "language", "timezone"]}),
    ]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "parent"]

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        if team_move_creates_cycle(self.instance, parent):
            raise forms.ValidationError(_("A team cannot be moved under itself or a sub-team."))
        return parent


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "parent", "path"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        # The services keep the subtree paths right; the admin only collects the input.
        if change:
            services.team_update(team=obj, name=obj.name, parent=obj.parent)
        else:
            created = services.team_create(name=obj.name, parent=obj.parent)
            obj.pk, obj.path = created.pk, created.path


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "key_hash",
        "created_at",
        "expires_at",
        "last_used_at",
    ]

    def has_add_permission(self, request):
        return False
