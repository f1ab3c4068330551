"""API authentication: a personal token (Bearer) or the browser's session (with CSRF), and
the rate each caller may use the API at."""

from django.conf import settings
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle


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


class CallerRateThrottle(SimpleRateThrottle):
    """SALESOP_API_RATE_PER_MINUTE calls per token (or, for the browser, per user) in a
    sliding minute, counted in the cache: one count across every app server when the cache
    is Redis. Anonymous calls are refused by authentication (the public intake has its own
    limit per channel)."""

    scope = "api"

    def __init__(self):
        super().__init__(rate="1/min")  # the real rate is read per request, from settings

    def allow_request(self, request) -> bool:
        self.num_requests, self.duration = settings.API_RATE_PER_MINUTE, 60
        return super().allow_request(request)

    def get_cache_key(self, request) -> str | None:
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"token{token.pk}"
        elif request.user.is_authenticated:
            ident = f"user{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
