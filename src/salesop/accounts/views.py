from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salesop.accounts import selectors, services
from salesop.accounts.forms import LanguageForm, ProfileForm, TokenForm
from salesop.core.errors import DomainError
from salesop.core.forms import add_domain_error, styled


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_form(self, form_class=None):
        return styled(super().get_form(form_class))


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
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
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
    return render(request, "accounts/profile.html", {"form": form})


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
