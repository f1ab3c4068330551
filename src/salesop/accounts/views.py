from base64 import b32encode
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from salesop.accounts import selectors, services
from salesop.accounts.forms import (
    LanguageForm,
    ProfileForm,
    SecondFactorForm,
    TokenForm,
    TOTPCodeForm,
)
from salesop.accounts.models import User
from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled

# The session of someone who gave the right password and still owes a code: not logged in.
PENDING_LOGIN_KEY = "salesop_login_pending"
# Refusals at the code step that count as a failed login for django-axes.
WRONG_CODE = {"totp_wrong", "recovery_code_wrong"}


class LoginView(auth_views.LoginView):
    """The password step. A user with an authenticator app is not logged in yet: the session
    only remembers who they claim to be, for a few minutes, until the code step."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):
        return styled(super().get_form(form_class))

    def form_valid(self, form):
        user = form.get_user()
        if selectors.totp_device_of(user) is None:
            return super().form_valid(form)
        session = self.request.session
        session.cycle_key()
        session[PENDING_LOGIN_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "username": form.cleaned_data["username"],
            "at": timezone.now().timestamp(),
            "next": self.get_success_url(),
        }
        return redirect("login_code")


def _safe_next(request, default: str = "") -> str:
    """`next` if it is a path on this site, else `default`. A path: redirect() takes a word
    without a slash ("abc") for the name of a view, and fails on it."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


def _pending_login(request) -> tuple[dict, User] | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not pending:
        return None
    fresh = timezone.now().timestamp() - pending["at"] <= settings.OTP_LOGIN_CODE_SECONDS
    user = User.objects.filter(pk=pending["user"], is_active=True).first() if fresh else None
    if user is None:
        request.session.pop(PENDING_LOGIN_KEY, None)
        return None
    return pending, user


def login_code(request):
    """The code step: after the password at login, or later in a session opened with the
    password alone when a page (the admin) needs the second factor. It takes the app's code
    or a recovery code; a wrong one counts as a failed login for django-axes, so codes and
    passwords share one lockout."""
    if request.user.is_authenticated:
        pending, user = None, request.user
        next_url = _safe_next(request, reverse("home"))
        device = selectors.totp_device_of(user)
        if device is None or user.is_verified():
            return redirect(next_url)
        username = user.get_username()
    else:
        found = _pending_login(request)
        device = selectors.totp_device_of(found[1]) if found else None
        if device is None:
            request.session.pop(PENDING_LOGIN_KEY, None)
            return redirect("login")
        pending, user = found
        next_url, username = pending["next"], pending["username"]

    credentials = {"username": username}  # as django.contrib.auth.authenticate reports them

    def refuse_locked():
        request.session.pop(PENDING_LOGIN_KEY, None)
        if pending is None:
            auth_logout(request)
        return locked_out(request)

    if AxesProxyHandler.is_locked(request, credentials):
        return refuse_locked()
    form = styled(SecondFactorForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            used = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            if exc.code in WRONG_CODE:
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    return refuse_locked()
            add_domain_error(form, exc)
        else:
            if pending is not None:
                del request.session[PENDING_LOGIN_KEY]
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, used)
            return redirect(next_url)
    return render(
        request,
        "accounts/login_code.html",
        {"form": form, "next": next_url if pending is None else "", "step_up": pending is None},
    )


def locked_out(request, response=None, credentials=None):
    """django-axes calls this when a user name and address have failed too often."""
    return render(
        request,
        "accounts/login.html",
        {
            "form": styled(AuthenticationForm(request)),
            "locked_out": _(
                "Too many failed attempts. This account is locked for this address; "
                "try again later or ask sales operations to unlock it."
            ),
        },
        status=429,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_form(self, form_class=None):
        return styled(super().get_form(form_class))

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)

    def get_success_url(self):
        return "/profile/"


@require_POST
def language_switch(request):
    """Remembers the language on the user (and in a cookie for the login page)."""
    form = LanguageForm(request.POST)
    response = redirect(_safe_next(request, "/"))
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_preferences(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 86400,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@login_required
def profile(request):
    form = styled(ProfileForm(request.POST or None, instance=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_preferences(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
    otp_on = selectors.totp_device_of(request.user) is not None
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "otp_on": otp_on,
            "codes_left": selectors.recovery_codes_left(request.user) if otp_on else None,
        },
    )


@login_required
def tokens(request):
    form = styled(TokenForm(request.POST or None))
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            created = {"token": token, "raw": raw}
            form = styled(TokenForm())
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "created": created, "tokens": selectors.api_tokens_of(request.user)},
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    token = get_object_or_404(selectors.api_tokens_of(request.user), pk=token_id)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("tokens")


def _authenticator_setup(device) -> dict:
    """What an authenticator app needs: the otpauth URI as a QR code (an SVG data URI, which
    the CSP allows as an image) and the secret in groups of four for typing by hand."""
    secret = b32encode(device.bin_key).decode()
    uri = device.config_url
    return {
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr": segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
    }


def _recovery_codes_page(request, codes: list[str], next_url: str):
    """The only time recovery codes are shown: in the response to the request that made them,
    which no cache (nor the browser's Back button) keeps."""
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": next_url or reverse("two_factor")},
    )
    add_never_cache_headers(response)
    return response


@login_required
def two_factor(request):
    """Turning the authenticator app (TOTP) on and off, and the recovery codes. On: a secret to
    scan, confirmed by a first code, then the recovery codes shown once. A new set of codes, or
    off: only with a current code. Each change ends the user's other sessions; this one stays."""
    user = request.user
    next_url = _safe_next(request)
    here = reverse("two_factor") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start":
        try:
            services.totp_enrolment_start(user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(here)
    posted = request.POST if action in {"confirm", "regenerate", "disable"} else None
    confirm_form = styled(TOTPCodeForm(posted if action == "confirm" else None))
    regenerate_form = styled(SecondFactorForm(posted if action == "regenerate" else None))
    disable_form = styled(SecondFactorForm(posted if action == "disable" else None))
    for manage_form in (regenerate_form, disable_form):  # two on one page: neither grabs focus
        manage_form.fields["code"].widget.attrs.pop("autofocus", None)
    form = {"confirm": confirm_form, "regenerate": regenerate_form, "disable": disable_form}.get(
        action or ""
    )
    if form is not None and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if action == "confirm":
                device, codes = services.totp_enrolment_confirm(user=user, code=code)
            elif action == "regenerate":
                codes = services.recovery_codes_renew(user=user, code=code)
            else:
                services.totp_disable(user=user, code=code)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            update_session_auth_hash(request, user)  # the other sessions ended, not this one
            if action == "confirm":
                otp_login(request, device)  # the code just entered verifies this session
                messages.success(
                    request,
                    _("Two-factor authentication is on: logging in now asks for a code."),
                )
                return _recovery_codes_page(request, codes, next_url)
            if action == "regenerate":
                messages.success(request, _("New recovery codes: the old ones no longer work."))
                return _recovery_codes_page(request, codes, next_url)
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("two_factor")
    device = selectors.totp_device_of(user)
    unconfirmed = None if device else selectors.totp_device_of(user, confirmed=False)
    return render(
        request,
        "accounts/two_factor.html",
        {
            "device": device,
            "codes_left": selectors.recovery_codes_left(user) if device else 0,
            "setup": _authenticator_setup(unconfirmed) if unconfirmed else None,
            "confirm_form": confirm_form,
            "regenerate_form": regenerate_form,
            "disable_form": disable_form,
            "action": action,
            "next": next_url,
            "required_for_admin": settings.OTP_REQUIRED_FOR_ADMIN and user.can_administer,
        },
    )
