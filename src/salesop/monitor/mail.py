"""Sending email so that each message's outcome is known: accepted by the mail server, or not
with the reason. Django's `send_mail(..., fail_silently=True)` said neither, and a message the
server never took was counted as sent.

One connection serves a batch, one message at a time (a refusal of one recipient does not
touch the others: smtplib resets the transaction). A connection that broke is opened again for
the next message; one that could not be opened is not tried again in the same batch, so a
server that is down costs one time-out per batch, not one per message."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

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

    def send(self, to: str, subject: str, body: str) -> str:
        """Sends one message; "" once the server accepted it, else what went wrong."""
        if self.unreachable:
            return self.unreachable
        if self.connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except (OSError, smtplib.SMTPException) as exc:
                self.unreachable = _("Could not reach the mail server: %(error)s") % {
                    "error": _describe(exc)
                }
                log.warning("email: %s", self.unreachable)
                return self.unreachable
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
            log.warning("email to %s not sent: %s", to, error)
            if not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                self.close()  # the connection may be broken: the next message opens another
            return error[:500]
        return "" if accepted else _("The mail server took no recipient.")

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (OSError, smtplib.SMTPException):
                pass  # every message's outcome is already known
            self.connection = None
