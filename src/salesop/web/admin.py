from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from salesop.accounts.selectors import totp_device_of


class AdminSite(admin.AdminSite):
    """Django's admin, for sales operations (and superusers) only, and (unless
    SALESOP_OTP_REQUIRED_FOR_ADMIN is off) only in a session verified with their authenticator
    app."""

    site_header = "salesop"
    site_title = "salesop"

    def has_permission(self, request):
        user = request.user
        return (
            user.is_active
            and user.is_authenticated
            and user.can_administer
            and not self._second_factor_missing(request)
        )

    @staticmethod
    def _second_factor_missing(request) -> bool:
        is_verified = getattr(request.user, "is_verified", None)  # set by django-otp's middleware
        return settings.OTP_REQUIRED_FOR_ADMIN and not (is_verified and is_verified())

    def login(self, request, extra_context=None):
        """Every admin page that refuses someone sends them here. The admin's own login form
        would skip the code step, so nobody logs in here: a visitor goes to the site's login,
        sales ops still owing a code to the code step (or to set up their app first), and
        anyone else is refused."""
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = ""
        target = target or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(target)
        if not (user.is_active and user.can_administer):
            raise PermissionDenied
        if not self._second_factor_missing(request):
            return redirect(target)
        query = urlencode({"next": target})
        if totp_device_of(user) is None:  # the page says why they are there
            return redirect(f"{reverse('two_factor')}?{query}")
        return redirect(f"{reverse('login_code')}?{query}")
