"""Sending email so that each message's outcome is known: accepted by the mail server, or not
with the reason. Django's `send_mail(..., fail_silently=True)` said neither, and a message the
server never took was counted as sent.

One connection serves a batch, one message at a time (a refusal of one recipient does not
touch the others: smtplib resets the transaction). A kept connection the server closed is
opened again and the message sent on it (some servers close after every message: every other
message failed). A server that could not be reached, or did not answer within
SALESOP_EMAIL_TIMEOUT_SECONDS, is not tried again in the same batch, and a batch stops
claiming after rules.BATCH_SECONDS: a server that is down or hung costs one time-out per
batch, not one per message (200 of 30 s held the worker, and the sweeps, for 100 minutes)."""

import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from salesop.monitor import rules

log = logging.getLogger(__name__)


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{to}: {code} {_text(message)}" for to, (code, message) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc):
        return _(
            "The mail server does not offer STARTTLS, which smtp:// in SALESOP_EMAIL_URL asks "
            "for unless the address ends in ?tls=0."
        )
    return str(exc) or type(exc).__name__


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


class Mailer:
    """Sends messages on one connection; `close()` when the batch is done."""

    def __init__(self) -> None:
        self.connection = None
        self.unreachable = ""  # why the server could not be reached in this batch
        self.lease = rules.send_lease(settings.EMAIL_TIMEOUT)
        self.until = time.monotonic() + rules.BATCH_SECONDS

    def spent(self) -> bool:
        """Whether the batch should claim no more: the server is unreachable, or its time is
        up (the rest wait for the next batch, their attempts uncounted)."""
        return bool(self.unreachable) or time.monotonic() > self.until

    def send(self, to: str, subject: str, body: str) -> str:
        """Sends one message; "" once the server accepted it, else what went wrong. A kept
        connection the server closed meanwhile (some close after every message) is opened
        again and the message sent on the new one."""
        reused = self.connection is not None
        error, disconnected = self._send_once(to, subject, body)
        if disconnected and reused:
            error, _disconnected = self._send_once(to, subject, body)
        return error

    def _send_once(self, to: str, subject: str, body: str) -> tuple[str, bool]:
        if self.unreachable:
            return self.unreachable, False
        if self.connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as exc:
                self.unreachable = _("Could not reach the mail server: %(error)s") % {
                    "error": _describe(exc)
                }
                log.warning("email: %s", self.unreachable)
                return self.unreachable, False
            self.connection = connection
        # A line break in a subject is refused by Django (header injection): one line instead.
        message = EmailMessage(
            " ".join(subject.split())[:200],
            body,
            settings.DEFAULT_FROM_EMAIL,
            [to],
            connection=self.connection,
        )
        try:
            accepted = message.send()
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            error = _describe(exc)
            timed_out = TimeoutError in (type(exc), type(exc.__context__))  # smtplib wraps it
            if timed_out:
                self.unreachable = error
            if not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                self.close()  # the connection may be broken: the next message opens another
            disconnected = isinstance(exc, smtplib.SMTPServerDisconnected) and not timed_out
            if not disconnected:
                log.warning("email to %s not sent: %s", to, error)
            return error[:500], disconnected
        return ("" if accepted else _("The mail server took no recipient.")), False

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (OSError, smtplib.SMTPException):
                pass  # every message's outcome is already known
            self.connection = None
