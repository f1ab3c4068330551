from django.contrib import admin


class AdminSite(admin.AdminSite):
    """Django's admin, for sales operations (and superusers) only."""

    site_header = "salesop"
    site_title = "salesop"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and user.can_administer
