"""API authentication: a personal token (Bearer) or the browser's session (with CSRF)."""

from ninja.security import HttpBearer, SessionAuth


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
