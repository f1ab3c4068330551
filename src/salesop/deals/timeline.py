"""What the deals app adds to a deal's and a company's timeline: the deal's creation and every
stage move (with an override's reason), the recap sent to the customer and their answer."""

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesop.core.timeline import Entry, source
from salesop.customers.models import Account
from salesop.deals.models import Deal, RecapLink, StageEvent, StageEventKind
from salesop.deals.selectors import deals_visible_to, playbook_of


def deals_in_view(asked) -> list[Deal]:
    """The deals a timeline covers: the deal itself, or the company's deals the reader sees
    (with their playbook versions, for stage names)."""
    if isinstance(asked.record, Deal):
        return [asked.record]
    if isinstance(asked.record, Account):
        return asked.once(
            "deals",
            lambda: list(
                deals_visible_to(asked.user)
                .filter(account=asked.record)
                .select_related("playbook_version")
                .defer("playbook_version__text")
            ),
        )
    return []


def _stage_text(event: StageEvent, label, reasons) -> str:
    if event.kind == StageEventKind.CREATED:
        return _("Deal created at %(stage)s") % {"stage": label(event.to_stage)}
    if event.kind == StageEventKind.WON:
        return _("Deal won")
    if event.kind == StageEventKind.LOST and event.reason:
        return _("Deal lost: %(reason)s") % {"reason": reasons.get(event.reason, event.reason)}
    if event.kind == StageEventKind.LOST:
        return _("Deal lost")
    if event.kind == StageEventKind.REOPENED:
        return _("Deal reopened at %(stage)s") % {"stage": label(event.to_stage)}
    return _("Moved from %(from)s to %(to)s") % {
        "from": label(event.from_stage),
        "to": label(event.to_stage),
    }


@source
def deal_story(asked):
    record, limit = asked.record, asked.limit
    deals = {deal.pk: deal for deal in deals_in_view(asked)}
    if not deals:
        return []
    language = get_language() or "zh-hans"
    on_company = isinstance(record, Account)
    entries = []
    events = (
        StageEvent.objects.filter(deal_id__in=deals)
        .select_related("by")
        .order_by("-at", "-id")[:limit]
    )
    told_why_lost: set[int] = set()  # newest first: a lost deal's last loss says to whom, why
    for event in events:
        deal = deals[event.deal_id]
        playbook = playbook_of(deal)
        details = [deal.name] if on_company else []
        if event.kind == StageEventKind.LOST and deal.status == "lost":
            if deal.pk not in told_why_lost:
                told_why_lost.add(deal.pk)
                if deal.lost_to:
                    details.append(_("to %(name)s") % {"name": deal.lost_to})
                details.append(deal.lost_note)
        if event.override_reason and event.kind == StageEventKind.REOPENED:
            details.append(_("Why: %(reason)s") % {"reason": event.override_reason})
        elif event.override_reason:
            details.append(_("Gate overridden: %(reason)s") % {"reason": event.override_reason})
        entries.append(
            Entry(
                at=event.at,
                kind="stage",
                text=_stage_text(
                    event,
                    lambda key, p=playbook: p.stage_label(key, language),
                    {r.key: str(r.label) for r in playbook.lost_reasons},
                ),
                detail=" · ".join(filter(None, details)),
                by=event.by,
                url=reverse("deals:detail", args=[deal.pk]) if on_company else "",
            )
        )
    links = (
        RecapLink.objects.filter(deal_id__in=deals)
        .select_related("sent_by", "contact")
        .order_by("-sent_at", "-id")[:limit]
    )
    for link in links:
        deal = deals[link.deal_id]
        url = reverse("deals:discovery", args=[deal.pk])
        prefix = [deal.name] if on_company else []
        entries.append(
            Entry(
                at=link.sent_at,
                kind="recap",
                text=_("Recap sent to the customer for confirmation"),
                detail=" · ".join(prefix + ([str(link.contact)] if link.contact_id else [])),
                by=link.sent_by,
                url=url,
            )
        )
        if link.answered_at:
            entries.append(
                Entry(
                    at=link.answered_at,
                    kind="recap",
                    text=_("The customer confirmed the recap")
                    if link.confirmed
                    else _("The customer corrected the recap"),
                    detail=" · ".join(prefix + [link.customer_words]).strip(" ·"),
                    url=url,
                )
            )
    return entries
