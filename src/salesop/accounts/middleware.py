from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils import timezone, translation
from django_htmx.http import HttpResponseClientRedirect

from salesop.accounts.services import api_token_authenticate


class ApiTokenMiddleware:
    """Authenticates `Authorization: Bearer <token>` on API paths only, before the audit trail
    reads request.user, so changes made with a token are attributed to its owner."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        request.api_token_error = ""  # an empty message, not a password  # nosec B105
        header = request.headers.get("Authorization", "")
        if request.path.startswith("/api/") and header[:7].lower() == "bearer ":
            token, error = api_token_authenticate(header[7:].strip())
            if token is not None:
                request.user = token.user
                request.api_token = token
            else:
                request.api_token_error = error
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Speaks the user's language and shows times in the user's zone, when they chose one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.timezone:
                timezone.activate(ZoneInfo(user.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class HtmxLoginMiddleware:
    """A fragment asked for after the session ended (a card loading, a panel posting) answers
    the login redirect: htmx would follow it and swap the whole login page into the card.
    Instead the browser goes to the login, and back to the page the fragment was for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.htmx
            and response.status_code == 302
            and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))
        ):
            back = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back)["Location"])
        return response
