"""Writes of the discovery workspace and the decision chain (SOP parts 2 and 3): prep notes,
the question bank and call plan, needs, keywords, the recap the customer confirms, call
transcripts, and the stakeholders of a deal."""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.activities.models import ActivityKind, Outcome
from salesop.activities.services import activity_log
from salesop.core.audit import audit_actor
from salesop.core.errors import DomainError, full_clean_or_refuse
from salesop.core.tokens import token_hash
from salesop.customers.models import Contact
from salesop.deals import events, selectors
from salesop.deals.discovery import rules
from salesop.deals.models import (
    CallPlanItem,
    CallTranscript,
    Deal,
    Discovery,
    KeywordTag,
    Need,
    NeedKind,
    Question,
    RecapLink,
    RecapStatus,
    Stakeholder,
)
from salesop.playbook.selectors import active_playbook

TRANSCRIPT_MAX_BYTES = 1_000_000


def _require_open(deal: Deal) -> None:
    if not deal.is_open:
        raise DomainError("deal_closed", _("This deal is closed; reopen it to change it."))


def _discovery(deal: Deal) -> Discovery:
    discovery, _created = Discovery.objects.get_or_create(deal=deal)
    return discovery


@transaction.atomic
def prep_save(*, deal: Deal, by: User, industry_news: str, competitor_moves: str) -> Discovery:
    """The free-text part of the prep brief: what moves in the customer's industry and among
    the competitors, gathered before the first meeting."""
    _require_open(deal)
    discovery = _discovery(deal)
    discovery.industry_news = industry_news.strip()
    discovery.competitor_moves = competitor_moves.strip()
    full_clean_or_refuse(discovery)
    with audit_actor(by):
        discovery.save()
    return discovery


# --- Question bank and call plan ---------------------------------------------------------------


def _require_ops(by: User) -> None:
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations maintain the question bank."))


@transaction.atomic
def question_create(*, by: User, text: str, layer: str, industry: str = "") -> Question:
    """A question for the bank, flagged closed when it can be answered with yes or no."""
    _require_ops(by)
    question = Question(
        text=text.strip(),
        layer=layer,
        industry=industry.strip(),
        is_open=not rules.is_closed_question(text),
    )
    full_clean_or_refuse(question)
    with audit_actor(by):
        question.save()
    return question


@transaction.atomic
def question_set_active(*, question: Question, by: User, active: bool) -> Question:
    _require_ops(by)
    question.active = active
    with audit_actor(by):
        question.save(update_fields=["active"])
    return question


@transaction.atomic
def call_plan_add(*, deal: Deal, by: User, questions: list[Question]) -> list[CallPlanItem]:
    """Picks questions into the deal's call plan, after those already there; a question
    already picked stays where it is."""
    _require_open(deal)
    picked = set(deal.call_plan.values_list("question_id", flat=True))
    position = deal.call_plan.count()
    added = []
    for question in questions:
        if question.pk in picked or not question.active:
            continue
        position += 1
        added.append(
            CallPlanItem.objects.create(
                deal=deal, question=question, position=position, added_by=by
            )
        )
    return added


@transaction.atomic
def call_plan_remove(*, item: CallPlanItem, by: User) -> None:
    _require_open(item.deal)
    item.delete()


# --- Needs --------------------------------------------------------------------------------------


@transaction.atomic
def need_add(
    *,
    deal: Deal,
    by: User,
    kind: str,
    summary: str,
    customer_words: str = "",
    budget_min: Decimal | None = None,
    budget_max: Decimal | None = None,
) -> Need:
    """A surface need (feature, budget range) or a deep one (strategic goal, hidden pain). A
    budget gives at least one bound, low before high; the others say what the customer said."""
    _require_open(deal)
    summary = summary.strip()
    if kind == NeedKind.BUDGET:
        if budget_min is None and budget_max is None:
            raise DomainError(
                "budget_range",
                _("A budget need gives at least one bound of the range."),
                {"budget_min": _("Enter the budget range.")},
            )
        for name, value in (("budget_min", budget_min), ("budget_max", budget_max)):
            if value is not None and value < 0:
                raise DomainError("invalid", _("A budget is not negative."), {name: _("≥ 0.")})
        if budget_min is not None and budget_max is not None and budget_min > budget_max:
            raise DomainError(
                "budget_range",
                _("The budget range runs from the lower to the higher amount."),
                {"budget_max": _("Must not be below “budget from”.")},
            )
        summary = summary or _("Budget range")
    elif not customer_words.strip():
        raise DomainError(
            "customer_words",
            _("Write down what the customer said, in their own words."),
            {"customer_words": _("Required.")},
        )
    need = Need(
        deal=deal,
        kind=kind,
        layer=NeedKind.layer_of(kind),
        summary=summary,
        customer_words=customer_words.strip(),
        budget_min=budget_min,
        budget_max=budget_max,
        created_by=by,
    )
    full_clean_or_refuse(need)
    with audit_actor(by):
        need.save()
    return need


@transaction.atomic
def need_remove(*, need: Need, by: User) -> None:
    _require_open(need.deal)
    with audit_actor(by):
        need.delete()


# --- Keywords -----------------------------------------------------------------------------------


def discovery_notes(deal: Deal) -> str:
    """Everything written down in discovery: needs, answers to the call plan, activity notes."""
    parts = []
    for summary, words in deal.needs.values_list("summary", "customer_words"):
        parts += [summary, words]
    parts += deal.call_plan.values_list("answer", flat=True)
    for subject, notes in deal.activities.values_list("subject", "notes"):
        parts += [subject, notes]
    return "\n".join(p for p in parts if p)


@transaction.atomic
def keywords_extract(*, deal: Deal, by: User) -> list[KeywordTag]:
    """Suggests key phrases from the notes. Tags the rep confirmed stay; suggestions that no
    longer appear in the notes go."""
    _require_open(deal)
    found = dict(rules.extract_keywords(discovery_notes(deal)))
    deal.keywords.filter(confirmed=False).exclude(term__in=found).delete()
    existing = {tag.term: tag for tag in deal.keywords.all()}
    for term, weight in found.items():
        if term in existing:
            KeywordTag.objects.filter(pk=existing[term].pk).update(weight=weight)
        else:
            KeywordTag.objects.create(deal=deal, term=term[:40], weight=weight)
    return list(deal.keywords.all())


@transaction.atomic
def keyword_add(*, deal: Deal, by: User, term: str, is_pain: bool = False) -> KeywordTag:
    """A tag the rep writes themselves: confirmed at once."""
    _require_open(deal)
    term = " ".join(term.split()).lower()[:40]
    if not term:
        raise DomainError("invalid", _("Enter a keyword."), {"term": _("Required.")})
    tag, _created = KeywordTag.objects.update_or_create(
        deal=deal,
        term=term,
        defaults={"confirmed": True, "is_pain": is_pain, "confirmed_by": by, "weight": 1.0},
    )
    return tag


@transaction.atomic
def keyword_confirm(*, tag: KeywordTag, by: User, confirmed: bool, is_pain: bool) -> KeywordTag:
    """The rep keeps a suggestion (and says whether it names a pain) or drops it."""
    _require_open(tag.deal)
    if not confirmed:
        tag.delete()
        return tag
    tag.confirmed, tag.is_pain, tag.confirmed_by = True, is_pain, by
    tag.save(update_fields=["confirmed", "is_pain", "confirmed_by"])
    return tag


# --- Recap --------------------------------------------------------------------------------------


def recap_draft(deal: Deal, language: str | None = None) -> tuple[str, str]:
    """(text, language) of the recap the confirmed needs give, in the customer's language."""
    language = language or rules.recap_language(deal.account.name)
    needs = [
        rules.RecapNeed(n.kind, n.summary, n.budget_min, n.budget_max, deal.currency)
        for n in deal.needs.filter(confirmed=True).order_by("id")
    ]
    return rules.recap(needs, language), language


@transaction.atomic
def recap_generate(*, deal: Deal, by: User, language: str | None = None) -> Discovery:
    """Writes the recap from the needs. A new text needs the customer's confirmation again."""
    _require_open(deal)
    text, language = recap_draft(deal, language)
    if not text:
        raise DomainError(
            "no_needs",
            _("Record the customer's needs first; the recap is made from them."),
            {"needs": _("No needs recorded.")},
        )
    return _recap_set(deal, by, text, language)


def _recap_set(deal: Deal, by: User, text: str, language: str) -> Discovery:
    discovery = _discovery(deal)
    if text != discovery.recap_text:
        discovery.recap_status = RecapStatus.DRAFT
        discovery.recap_confirmed_at = None
        discovery.recap_confirmed_note = ""
        # the links sent answer for the old text only, even if the rep later puts it back
        now = timezone.now()
        deal.recap_links.filter(answered_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    discovery.recap_text, discovery.recap_language = text, language
    full_clean_or_refuse(discovery)
    with audit_actor(by):
        discovery.save()
    return discovery


@transaction.atomic
def recap_save(*, deal: Deal, by: User, text: str) -> Discovery:
    """The rep's edit of the recap; a changed text needs the customer's confirmation again."""
    _require_open(deal)
    text = text.replace("\r\n", "\n").strip()  # a browser's textarea sends CRLF: same text
    if not text:
        raise DomainError(
            "invalid", _("The recap cannot be empty."), {"recap_text": _("Required.")}
        )
    discovery = _discovery(deal)
    return _recap_set(deal, by, text, discovery.recap_language or "zh-hans")


def _require_recap(discovery: Discovery) -> None:
    if not discovery.recap_text:
        raise DomainError(
            "no_recap",
            _("Write the recap first."),
            {"recap_text": _("Required.")},
        )


def recap_link_url(token: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("customer_recap", args=[token])


@transaction.atomic
def recap_send(*, deal: Deal, by: User, contact: Contact) -> tuple[RecapLink, str]:
    """Sends the customer a one-time link (answered with its token) to confirm the recap or
    correct it in their own words: emailed in the recap's language when the contact has an
    address; the rep may also pass the link on by chat. Recorded as an activity."""
    _require_open(deal)
    discovery = _discovery(deal)
    _require_recap(discovery)
    if contact.account_id != deal.account_id:
        raise DomainError(
            "contact",
            _("Choose a contact of this company."),
            {"contact": _("Not a contact of %(account)s.") % {"account": deal.account.name}},
        )
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    with audit_actor(by):
        link = RecapLink.objects.create(
            deal=deal,
            token_hash=token_hash(token),
            recap_text=discovery.recap_text,
            contact=contact,
            sent_by=by,
            sent_at=now,
            expires_at=now + timedelta(days=active_playbook().feedback.link_days),
        )
    url = recap_link_url(token)
    with translation.override(discovery.recap_language or "zh-hans"):
        subject = _("Our understanding of your needs: %(deal)s") % {"deal": deal.name}
        body = _(
            "%(recap)s\n\nIs this what you meant? Confirm it, or correct it in your own "
            "words: %(url)s"
        ) % {"recap": discovery.recap_text, "url": url}
    if contact.email:
        transaction.on_commit(lambda: send_mail(subject, body, None, [contact.email]))
    activity_log(
        by=by,
        account=deal.account,
        deal=deal,
        kind=ActivityKind.EMAIL if contact.email else ActivityKind.MESSAGE,
        subject=subject,
        outcome=Outcome.NEUTRAL,
        occurred_at=now,
        notes=discovery.recap_text,
    )
    if discovery.recap_status in (RecapStatus.DRAFT, RecapStatus.CORRECTED):
        discovery.recap_status = RecapStatus.SENT
    discovery.recap_sent_at = now
    with audit_actor(by):
        discovery.save()
    return link, token


def recap_link_problem(link: RecapLink | None) -> str | None:
    """Why the customer cannot answer through this link (a message for them), or None."""
    if link is None:
        return _("This link is not valid.")
    if link.answered_at is not None:
        return _("This recap was already answered through this link. Thank you!")
    if not link.deal.is_open:
        return _("This link is no longer open.")
    discovery = Discovery.objects.filter(deal=link.deal_id).first()
    if discovery is None or discovery.recap_text != link.recap_text:
        return _(
            "The recap has changed since this link was sent; your contact will send you the "
            "new one."
        )
    if link.expires_at <= timezone.now():
        return _("This link has expired; ask your contact to send a new one.")
    if discovery.recap_status == RecapStatus.CORRECTED:  # another link brought a correction
        return _(
            "This recap was corrected and is being revised; your contact will send you the new one."
        )
    return None


@transaction.atomic
def recap_answer(*, token: str, confirmed: bool, words: str = "") -> RecapLink:
    """The customer's own answer through the link: confirmed, or corrected in their words.
    Once only, for the recap text the link was sent with; a correction sends the recap back to
    the rep to revise and send again."""
    link = selectors.recap_link_for(token)
    if link is not None:  # one answer at a time: the second waits, then finds it answered
        Discovery.objects.select_for_update().filter(deal=link.deal_id).first()
        link.refresh_from_db()
    problem = recap_link_problem(link)
    if problem:
        raise DomainError("recap_closed", problem)
    words = (words or "").strip()
    if not confirmed and not words:
        raise DomainError(
            "invalid",
            _("Tell us what we got wrong, in your own words."),
            {"words": _("Required.")},
        )
    now = timezone.now()
    link.answered_at, link.confirmed, link.customer_words = now, confirmed, words[:5000]
    link.save(update_fields=["answered_at", "confirmed", "customer_words"])
    discovery = link.deal.discovery
    who = link.contact.name if link.contact else ""
    if confirmed:
        discovery.recap_status = RecapStatus.CONFIRMED
        discovery.recap_confirmed_at = now
        discovery.recap_confirmed_note = (
            words or _("Confirmed through the link by %(who)s") % {"who": who}
        )[:300]
        discovery.recap_correction = ""
    else:
        discovery.recap_status = RecapStatus.CORRECTED
        discovery.recap_confirmed_at = None
        discovery.recap_confirmed_note = ""
        discovery.recap_correction = words[:5000]
    with audit_actor(None):
        discovery.save()
    events.recap_answered(link)
    return link


@transaction.atomic
def recap_confirm(*, deal: Deal, by: User, note: str = "") -> Discovery:
    """The rep marks the recap confirmed on the customer's behalf (agreed in the meeting, by
    phone): kept apart from the customer's own confirmation through the link, which a playbook
    may require instead. A recap the customer confirmed stays theirs."""
    _require_open(deal)
    discovery = _discovery(deal)
    _require_recap(discovery)
    if discovery.recap_status == RecapStatus.CONFIRMED:
        return discovery
    if discovery.recap_status == RecapStatus.CORRECTED:
        raise DomainError(
            "corrected",
            _("The customer corrected this recap: revise it before it can be confirmed."),
            {"recap_text": _("Revise it first.")},
        )
    discovery.recap_status = RecapStatus.MARKED
    discovery.recap_confirmed_at = timezone.now()
    discovery.recap_confirmed_note = note.strip()[:300]
    discovery.recap_correction = ""
    with audit_actor(by):
        discovery.save()
    return discovery


# --- Transcripts --------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        "encoding", _("The file is not UTF-8 or GB18030 text."), {"file": _("Unreadable.")}
    )


@transaction.atomic
def transcript_upload(
    *, deal: Deal, by: User, filename: str, content: bytes, rep_speaker: str
) -> CallTranscript:
    """Reads a plain-text or WebVTT transcript with speaker labels and keeps the rep's share of
    talk and question counts; the text itself is not kept."""
    if len(content) > TRANSCRIPT_MAX_BYTES:
        raise DomainError(
            "too_large", _("A transcript may be up to 1 MB."), {"file": _("File too large.")}
        )
    try:
        turns = rules.transcript_turns(_decode(content))
        ratio = rules.talk_ratio(turns, rep_speaker.strip())
    except rules.TranscriptError as exc:
        raise DomainError("transcript", str(exc), {exc.field: str(exc)}) from None
    return CallTranscript.objects.create(
        deal=deal,
        filename=filename[:200],
        rep_speaker=rep_speaker.strip(),
        speakers=ratio.speakers,
        rep_share_pct=ratio.rep_share_pct,
        open_questions=ratio.open_questions,
        closed_questions=ratio.closed_questions,
        uploaded_by=by,
    )


# --- Decision chain -----------------------------------------------------------------------------


@transaction.atomic
def stakeholder_add(
    *,
    deal: Deal,
    by: User,
    role: str,
    contact: Contact | None = None,
    new_contact_name: str = "",
    new_contact_title: str = "",
    attitude: str = "unknown",
    last_engaged_at: datetime | None = None,
    notes: str = "",
) -> Stakeholder:
    """Puts a contact of the deal's company (an existing one, or a new one by name) into the
    decision chain in one role."""
    _require_open(deal)
    if contact is None:
        if not new_contact_name.strip():
            raise DomainError(
                "contact",
                _("Choose a contact or enter the new contact's name."),
                {"contact": _("Required.")},
            )
        contact = Contact(
            account=deal.account, name=new_contact_name.strip(), title=new_contact_title.strip()
        )
        full_clean_or_refuse(contact)
        with audit_actor(by):
            contact.save()
    elif contact.account_id != deal.account_id:
        raise DomainError(
            "contact", _("The contact works for another company."), {"contact": _("Not allowed.")}
        )
    if last_engaged_at and last_engaged_at > timezone.now():
        raise DomainError(
            "invalid",
            _("“Last engaged” records what happened; it cannot be in the future."),
            {"last_engaged_at": _("Enter a time that is not in the future.")},
        )
    stakeholder = Stakeholder(
        deal=deal,
        contact=contact,
        role=role,
        attitude=attitude,
        last_engaged_at=last_engaged_at,
        notes=notes.strip(),
    )
    full_clean_or_refuse(stakeholder, exclude=["deal", "contact"])
    try:
        with transaction.atomic(), audit_actor(by):
            stakeholder.save()
    except IntegrityError:
        raise DomainError(
            "duplicate",
            _("%(name)s is already in this deal's decision chain.") % {"name": contact.name},
            {"contact": _("Already added.")},
        ) from None
    return stakeholder


@transaction.atomic
def stakeholder_engaged(*, stakeholder: Stakeholder, by: User, at: datetime | None = None):
    """Records that we spoke with this person (a meeting, a call, the proposal)."""
    _require_open(stakeholder.deal)
    at = at or timezone.now()
    if at > timezone.now():
        raise DomainError(
            "invalid",
            _("“Last engaged” records what happened; it cannot be in the future."),
            {"last_engaged_at": _("Enter a time that is not in the future.")},
        )
    stakeholder.last_engaged_at = at
    with audit_actor(by):
        stakeholder.save(update_fields=["last_engaged_at"])
    return stakeholder


@transaction.atomic
def stakeholder_remove(*, stakeholder: Stakeholder, by: User) -> None:
    _require_open(stakeholder.deal)
    with audit_actor(by):
        stakeholder.delete()
