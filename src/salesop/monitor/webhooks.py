"""Sending to webhook receivers, refusing addresses the settings do not allow (no requests to
the intranet from a URL someone typed, unless SALESOP_WEBHOOK_ALLOW_PRIVATE is on)."""

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class WebhookRefused(ValueError):
    """The URL is not one salesop may post to; the message says why."""


def check_url(url: str) -> None:
    """Raises WebhookRefused unless `url` is http(s) to a host the settings allow."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(_("Use an http:// or https:// address."))
    host = parts.hostname.lower()
    allowed = settings.WEBHOOK_ALLOWED_HOSTS
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        raise WebhookRefused(_("%(host)s is not among the allowed webhook hosts.") % {"host": host})
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443)}
    except OSError:
        raise WebhookRefused(_("The host %(host)s cannot be resolved.") % {"host": host}) from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            raise WebhookRefused(
                _("%(host)s points to a private or local address, which is not allowed.")
                % {"host": host}
            )


@dataclass
class SendResult:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead past the address check


_opener = urllib.request.build_opener(_NoRedirect)


def send(url: str, headers: dict[str, str], body: bytes) -> SendResult:
    started = time.monotonic()
    try:
        check_url(url)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
            response.read(65536)
        ok, error = 200 <= status < 300, "" if 200 <= status < 300 else f"HTTP {status}"
    except WebhookRefused as exc:
        status, ok, error = None, False, str(exc)
    except urllib.error.HTTPError as exc:
        status, ok, error = exc.code, False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        status, ok, error = None, False, str(reason)[:500]
    return SendResult(ok, status, error, int((time.monotonic() - started) * 1000))
