"""API authentication: a personal token (Bearer) or the browser's session (with CSRF), and
the rate each caller may use the API at."""

import time

from django.conf import settings
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from salesop.core.throttle import over_limit


class ApiTokenAuth(HttpBearer):
    """The token was checked by ApiTokenMiddleware; this declares the scheme in OpenAPI."""

    def authenticate(self, request, token):
        if request.api_token is not None:
            return request.user
        return None


class BrowserSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        if request.api_token_error:
            return None
        user = request.user
        return user if user.is_authenticated and user.is_active else None


api_auth = [ApiTokenAuth(), BrowserSessionAuth()]


class CallerRateThrottle(BaseThrottle):
    """SALESOP_API_RATE_PER_MINUTE calls per token (or, for the browser, per user) in a
    minute, one count across every process (core.throttle). Anonymous calls are refused by
    authentication (the public intake has its own limit per channel)."""

    def allow_request(self, request) -> bool:
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"api:token{token.pk}"
        elif request.user.is_authenticated:
            ident = f"api:user{request.user.pk}"
        else:
            return True
        return not over_limit(ident, settings.API_RATE_PER_MINUTE)

    def wait(self) -> float:
        return 60 - time.time() % 60  # from the next minute on, this one's calls weigh less
