"""Channels: what sales ops set up (a channel, its web-form intake key, its monthly spend) and a
lead taken from a channel's public form."""

import hashlib
import json
import secrets
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.audit import audit_actor
from salesop.core.errors import Conflict, DomainError, full_clean_or_refuse
from salesop.core.tokens import token_hash
from salesop.leads.models import (
    Channel,
    ChannelSpend,
    Lead,
)
from salesop.leads.services import lead_create


def _require_ops(by: User) -> None:
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations manage channels."))


@transaction.atomic
def channel_create(*, by: User, name: str, category: str, kind: str) -> Channel:
    _require_ops(by)
    channel = Channel(name=name.strip(), category=category, kind=kind)
    full_clean_or_refuse(channel)
    with audit_actor(by):
        channel.save()
    return channel


def channel_rotate_intake_key(*, channel: Channel, by: User) -> str:
    """A new intake key for the channel's web forms; the old one stops working. Shown once."""
    _require_ops(by)
    raw = "sik_" + secrets.token_urlsafe(24)
    channel.intake_key_prefix = raw[:10]
    channel.intake_key_hash = token_hash(raw)
    channel.save(update_fields=["intake_key_prefix", "intake_key_hash"])
    return raw


@transaction.atomic
def channel_spend_set(
    *, channel: Channel, by: User, month: date, amount: Decimal, currency: str = "CNY"
) -> ChannelSpend:
    _require_ops(by)
    if amount < 0:
        raise DomainError(
            "amount", _("Spend cannot be negative."), {"amount": _("Enter 0 or more.")}
        )
    spend, _created = ChannelSpend.objects.update_or_create(
        channel=channel, month=month.replace(day=1), currency=currency, defaults={"amount": amount}
    )
    return spend


def intake(*, channel: Channel, idempotency_key: str = "", **values) -> tuple[Lead, bool]:
    """A lead from a public form. The same Idempotency-Key on the same channel with the same
    values gives back the lead the first submission created (a retried post creates one lead);
    with other values it is refused (Conflict naming the key). -> (lead, created)"""
    body_sha256 = hashlib.sha256(
        json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()

    def replayed(lead: Lead) -> tuple[Lead, bool]:
        # A lead taken before bodies were hashed has none to compare: answered as before.
        if lead.idempotency_body_sha256 not in (None, body_sha256):
            message = _(
                "The Idempotency-Key %(key)r was already used for a submission with other "
                "values. Send a new key for a new lead; a retry sends the same values."
            ) % {"key": idempotency_key}
            raise Conflict("idempotency_key_reused", message, {"Idempotency-Key": message})
        return lead, False

    # The partial unique index's condition is repeated so the database may use that index
    # (SQLite does not infer `key <> ''` from `key = 'x'`: without it, a scan of the channel).
    keyed = Lead.objects.exclude(idempotency_key="").filter(channel=channel)
    if idempotency_key:
        existing = keyed.filter(idempotency_key=idempotency_key).first()
        if existing:
            return replayed(existing)
    try:
        return lead_create(
            by=None,
            channel=channel,
            idempotency_key=idempotency_key,
            idempotency_body_sha256=body_sha256 if idempotency_key else None,
            allow_duplicate=True,
            **values,
        ), True
    except IntegrityError:
        # The same key raced in from a parallel retry: the other request created it.
        return replayed(keyed.get(idempotency_key=idempotency_key))
