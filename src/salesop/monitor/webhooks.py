"""Sending to webhook receivers, refusing addresses the settings do not allow (no requests to
the intranet from a URL someone typed, unless SALESOP_WEBHOOK_ALLOW_PRIVATE is on).

The host is resolved once, its addresses checked, and the request sent to one of those
addresses: resolving again to connect would let a DNS answer that changed in between (public at
the check, 127.0.0.1 at the connection: DNS rebinding) past the check. HTTPS still sends the
host name (SNI, Host header) and verifies the certificate against it, not against the address.
No proxy is used, so no one else resolves the name."""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# IPv6 prefixes whose addresses carry an IPv4 one (NAT64): judged by the IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SAFE = "!#$%&'()*+,/:;=?@[]~"  # kept as written in a path and query; escapes stay escapes


class WebhookRefused(ValueError):
    """The URL is not one salesop may post to; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a checked URL is sent: its parts, and the addresses its host resolved to, each of
    which passed the check."""

    scheme: str
    host: str
    port: int
    path: str  # with the query
    addresses: tuple[tuple[int, tuple], ...]  # (address family, socket address) to connect to


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour
        if carried is None and ip in _NAT64:
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is not None:
            ip = carried
    return ip.is_global


def resolve_checked(url: str) -> Target:
    """Checks `url` (http or https, a host the settings allow, resolving only to addresses they
    allow) and returns where to send it; raises WebhookRefused saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused(_("Use an http:// or https:// address."))
    host = parts.hostname.lower()
    allowed = settings.WEBHOOK_ALLOWED_HOSTS
    if allowed and not any(host == h or host.endswith("." + h) for h in allowed):
        raise WebhookRefused(_("%(host)s is not among the allowed webhook hosts.") % {"host": host})
    try:
        given = parts.port
    except ValueError:
        given = 0
    if given == 0:
        raise WebhookRefused(
            _("The port in %(url)s is not a number from 1 to 65535.") % {"url": url}
        )
    port = given or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookRefused(_("The host %(host)s cannot be resolved.") % {"host": host}) from None
    addresses = tuple(dict.fromkeys((family, sockaddr) for family, _t, _p, _c, sockaddr in found))
    if not settings.WEBHOOK_ALLOW_PRIVATE and not all(_allowed(a[1][0]) for a in addresses):
        raise WebhookRefused(
            _("%(host)s points to a private or local address, which is not allowed.")
            % {"host": host}
        )
    # The request line is ASCII: other characters go as UTF-8 %-escapes, as a browser sends them.
    path = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_SAFE)
    return Target(parts.scheme, host, port, path, addresses)


def check_url(url: str) -> None:
    """Raises WebhookRefused unless `url` is http(s) to a host the settings allow."""
    resolve_checked(url)


def _connect(target: Target, timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    failures = []
    for family, sockaddr in target.addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            failures.append(f"{sockaddr[0]} port {target.port}: {exc.strerror or exc}")
    raise OSError("; ".join(failures))


class _PinnedHTTP(http.client.HTTPConnection):
    """http.client's connection to `target.host`, made to one of the checked addresses."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = _connect(self.target, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        # Made for each send: it reads the system's certificate authorities as they are now.
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target

    def connect(self):
        # The name, not the address: SNI, and the certificate checked against it.
        self.sock = self.tls.wrap_socket(
            _connect(self.target, self.timeout), server_hostname=self.target.host
        )


@dataclass
class SendResult:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


def send(url: str, headers: dict[str, str], body: bytes) -> SendResult:
    """POSTs `body` to `url` if it passes the check, at the address the check resolved; a
    redirect is an answer like any other (following it could lead past the check)."""
    started = time.monotonic()
    try:
        target = resolve_checked(url)
        pinned = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        conn = pinned(target, settings.WEBHOOK_TIMEOUT_SECONDS)
        try:
            conn.request("POST", target.path, body=body, headers=headers)
            response = conn.getresponse()
            status = response.status
            response.read(65536)
        finally:
            conn.close()
        ok, error = 200 <= status < 300, "" if 200 <= status < 300 else f"HTTP {status}"
    except WebhookRefused as exc:
        status, ok, error = None, False, str(exc)
    except (OSError, http.client.HTTPException) as exc:
        status, ok, error = None, False, str(exc)[:500] or type(exc).__name__
    return SendResult(ok, status, error, int((time.monotonic() - started) * 1000))
