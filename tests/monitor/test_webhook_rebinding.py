"""DNS rebinding: a webhook's host name answers a public address when salesop checks it and
127.0.0.1 a moment later. salesop resolves once, checks, and connects to the address it checked,
so a server on 127.0.0.1 never sees the request; over HTTPS the host name still goes in SNI and
the Host header and the certificate is verified against it, at the pinned address.

The resolver is the outside world here (socket.getaddrinfo, answering for one test name); the
receivers are real HTTP and HTTPS servers on loopback, with certificates from a test CA that the
process trusts through SSL_CERT_FILE."""

import socket
import ssl
from types import SimpleNamespace

import pytest
import trustme
from django.utils import translation

from salesop.monitor.models import DeliveryAttempt
from salesop.monitor.services import webhook_endpoint_save, webhook_send_test

pytestmark = pytest.mark.django_db
HOST = "hooks.example.test"
PUBLIC = "93.184.216.34"  # a public address; nothing of this test listens there


@pytest.fixture
def dns(monkeypatch):
    """Answers for HOST: each lookup gets the next answer (the last one repeats), an address or
    a tuple of them; every other name goes to the real resolver."""
    real = socket.getaddrinfo
    state = SimpleNamespace(answers=[], asked=0)

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 (stdlib's)
        if host != HOST:
            return real(host, port, family, type, proto, flags)
        state.asked += 1
        given = state.answers[min(state.asked, len(state.answers)) - 1]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
            for address in ((given,) if isinstance(given, str) else given)
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(*addresses):
        state.answers, state.asked = list(addresses), 0

    state.answer = answer
    return state


@pytest.fixture
def ca(tmp_path, monkeypatch):
    """A certificate authority this process trusts, as a system's trust store would."""
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return authority


def tls_for(ca, *names) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(context)
    return context


def hook(org, url):
    return webhook_endpoint_save(by=org.ops, name="rebinding", kind="generic", url=url)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_name_rebound_to_loopback_after_the_check_never_reaches_loopback(
    org, dns, ca, receiver, settings, scheme
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    intranet = receiver(tls=tls_for(ca, HOST) if scheme == "https" else None)
    dns.answer(PUBLIC)
    endpoint = hook(org, f"{scheme}://{HOST}:{intranet.port}/hook")

    dns.answer(PUBLIC, "127.0.0.1")  # public for the check, loopback for whoever asks again
    delivery = webhook_send_test(endpoint=endpoint, by=org.ops)

    assert intranet.requests == []
    assert dns.asked == 1
    assert delivery.status == "pending"  # to be retried, like any receiver that is down
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None
    assert attempt.error.startswith(f"{PUBLIC} port {intranet.port}: ")  # where it went


def test_an_answer_with_a_loopback_address_among_public_ones_is_refused(org, dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    dns.answer(PUBLIC)
    endpoint = hook(org, f"https://{HOST}/hook")

    dns.answer((PUBLIC, "127.0.0.1"))
    with translation.override("en"):
        delivery = webhook_send_test(endpoint=endpoint, by=org.ops)
    assert "private or local address" in delivery.last_error


@pytest.fixture
def two_doors(receiver, ca):
    """Receivers on 127.0.0.2 and 127.0.0.1 at one port, each with a certificate for HOST."""
    for _ in range(20):
        checked = receiver(host="127.0.0.2", tls=tls_for(ca, HOST))
        try:
            other = receiver(host="127.0.0.1", port=checked.port, tls=tls_for(ca, HOST))
        except OSError:
            continue  # the port is taken on 127.0.0.1: another pair
        return checked, other
    raise RuntimeError("no port free on both addresses")


def test_https_reaches_the_checked_address_with_the_host_name_verified(
    org, dns, two_doors, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # loopback passes the check: two real servers to tell
    checked, other = two_doors
    dns.answer("127.0.0.2")
    endpoint = hook(org, f"https://{HOST}:{checked.port}/hook")

    dns.answer("127.0.0.2", "127.0.0.1")
    delivery = webhook_send_test(endpoint=endpoint, by=org.ops)

    assert delivery.status == "sent", delivery.last_error
    assert dns.asked == 1
    assert other.requests == []
    [request] = checked.requests
    assert checked.server_names == [HOST]  # SNI: the name, not the address
    assert request["headers"]["Host"] == f"{HOST}:{checked.port}"


@pytest.mark.parametrize(
    "names",
    [("other.example.test", "127.0.0.2"), ("127.0.0.2",)],
    ids=["another name", "the address only"],
)
def test_https_certificate_not_for_the_host_name_is_refused_at_the_pinned_address(
    org, dns, ca, receiver, settings, names
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = receiver(host="127.0.0.2", tls=tls_for(ca, *names))  # valid for the address
    dns.answer("127.0.0.2")
    endpoint = hook(org, f"https://{HOST}:{server.port}/hook")

    delivery = webhook_send_test(endpoint=endpoint, by=org.ops)

    assert delivery.status == "pending"
    assert server.requests == []
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert HOST in delivery.last_error  # checked against the name it was sent to
