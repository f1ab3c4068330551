"""The search box on every page: companies, contacts, leads, deals, tickets and contracts by
name, phone (in any format), email, WeChat id, ticket or contract number, among the records
the user may see, best matches first, by kind.

Each kind is looked up by its indexes alone, for the ids of at most `CANDIDATES` records the
user may see: first by its keys (the b-tree indexes of phones, emails, WeChat ids, numbers and
normalized company names), then by a part of a name (the trigram indexes, core.textsearch;
words of two characters, which trigrams cannot find, by the beginning of a name). Only then are
those records read with what they show, and ranked here (the exact name or key, then those
starting with the words, then the newest), so a word found in a hundred thousand names costs
little more than a rare one, and no database's planner is tempted to walk a join instead of
an index."""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from salesop.accounts.models import User
from salesop.aftersales.models import Ticket
from salesop.contracts.models import Contract
from salesop.contracts.selectors import contracts_visible_to
from salesop.core.money import format_money
from salesop.core.textsearch import containing, starting_any
from salesop.customers.models import Account, Contact
from salesop.customers.rules import normalize_company, normalize_email, phone_prefixes
from salesop.deals.models import Deal
from salesop.leads.models import Lead
from salesop.playbook.selectors import active_playbook

MIN_LENGTH = 2
MAX_LENGTH = 100
CANDIDATES = 20  # records read per kind; the best `shown` of them are shown
FIRST_MATCHES = 2000  # matches checked against what the user sees before asking the other way

EXACT, STARTS, CONTAINS, OTHER = range(4)


def _numbers(text: str, single: str) -> list[str]:
    """The beginnings of the ticket and contract numbers `text` can be: itself in upper case,
    digits alone as a ticket's (000123 or 123: T000123) and a year with digits as a
    contract's (2026-00012: HT2026-00012)."""
    numbers = [single.upper()] if single else []
    digits = text.replace(" ", "")
    if digits.isdigit() and digits.isascii():
        numbers += ["T" + digits.zfill(6), "T" + digits]
    if re.fullmatch(r"\d{4}-\d+", single):
        numbers.append("HT" + single)
    return list(dict.fromkeys(numbers))


@dataclass(frozen=True)
class Words:
    """What was typed, read every way it can be meant."""

    text: str
    folded: str
    company_key: str
    phones: list[str]  # E.164 beginnings, when the words are a number
    email: str  # when they can begin an address (one word, no spaces)
    numbers: list[str]  # what a ticket's or contract's number begins with (T000123, HT2026-0)

    @classmethod
    def of(cls, typed: str) -> "Words":
        # Control, format and surrogate characters (a NUL, a zero-width space) are not words.
        text = "".join(
            c for c in unicodedata.normalize("NFKC", typed) if unicodedata.category(c)[0] != "C"
        )
        text = " ".join(text.split())[:MAX_LENGTH]
        single = text if " " not in text and text.isascii() else ""
        return cls(
            text=text,
            folded=text.casefold(),
            company_key=normalize_company(text),
            phones=phone_prefixes(text),
            email=normalize_email(single),
            numbers=_numbers(text, single),
        )

    @property
    def identifier(self) -> bool:
        """One word of letters and digits, or with an @: an email, a WeChat id, a number."""
        return bool(self.email) and (
            "@" in self.email or (any(c.isdigit() for c in self.email) and not self.phones)
        )

    @property
    def short(self) -> bool:
        """Too short for the trigram indexes (two characters)."""
        return len(self.text) < 3

    def names(self, table: str, *columns: str, first: int | None = None, indexed: bool = True) -> Q:
        """Names holding the words (by the trigram index; `first`: its newest so many;
        `indexed` False: row by row), or beginning with them, in any case, when they are too
        short for it."""
        if not self.short:
            return containing(table, columns, self.text, first, indexed)
        cases = list(
            dict.fromkeys((self.text, self.text.lower(), self.text.upper(), self.text.title()))
        )
        match = Q()
        for column in columns:
            match |= starting_any(column, cases)
        return match

    def rank(self, *names: str) -> int:
        """How well the best of `names` matches: the whole name, its beginning, a part."""
        best = OTHER
        for name in names:
            folded = unicodedata.normalize("NFKC", name or "").casefold()
            if folded == self.folded:
                return EXACT
            if folded.startswith(self.folded):
                best = min(best, STARTS)
            elif self.folded in folded:
                best = min(best, CONTAINS)
        return best

    def key_rank(self, *keys: str) -> int:
        """EXACT when a phone, email, WeChat id or number is the one typed, STARTS when it
        begins with what was typed, else OTHER."""
        best = OTHER
        for key in filter(None, keys):
            folded = key.casefold()
            if key in self.phones or key in self.numbers or folded in (self.folded, self.email):
                return EXACT
            if any(key.startswith(p) for p in self.phones) or (
                (self.email and folded.startswith(self.email))
                or any(key.startswith(n) for n in self.numbers)
            ):
                best = STARTS
        return best


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    detail: str
    url: str
    rank: int


@dataclass
class Group:
    kind: str
    label: str | Promise
    hits: list[Hit]
    more: bool  # more matched than are shown

    @property
    def best(self) -> int:
        return self.hits[0].rank


@dataclass
class Results:
    words: Words
    groups: list[Group] = field(default_factory=list)

    @property
    def too_short(self) -> bool:
        return len(self.words.text) < MIN_LENGTH


@dataclass(frozen=True)
class Finder:
    """How one kind is searched: the ids among `visible` matching `keys` (a phone, an email,
    a number, a normalized name's beginning: few records, read whole), then `names` (perhaps
    very many, of which `CANDIDATES` are read); the records are read from `shown`, and `hit`
    shows one."""

    visible: QuerySet
    keys: Q | None
    names: Callable[..., Q] | None  # given `first`: how many of the index's matches at most
    shown: QuerySet
    hit: Callable[[object], Hit]
    among: Callable[[QuerySet], QuerySet] | None = None  # the visible ones among these ids

    def key_ids(self, user: User, wanted: int) -> list[int]:
        if self.keys is None:
            return []
        return self._lookup(user, self.keys, self.keys, [], wanted)

    def name_ids(self, user: User, found: list[int], wanted: int) -> list[int]:
        if self.names is None or len(found) >= wanted:
            return found
        first, whole = self.names(first=FIRST_MATCHES + 1), self.names(indexed=False)
        return self._lookup(user, first, whole, found, wanted)

    def _lookup(self, user: User, first: Q, whole: Q, found: list[int], wanted: int) -> list[int]:
        """`found` and more ids of visible records matching, up to `wanted`, the newest first:
        the matches by the index alone (`first`: its newest so many), then which of them the
        user sees. A few thousand ids ask little of the visibility rules, which over a whole
        team's records would be read for each; a word matching more than that (a common one)
        is looked for among the user's own records, row by row (`whole`), where the first
        few found will do."""
        need = wanted - len(found)
        model = self.visible.model._default_manager
        # Read by the index alone, then the newest of those: sorted by an expression, so
        # that no planner walks the primary key backwards hoping to meet the matches soon.
        matching = model.filter(first).order_by().values("pk")[: FIRST_MATCHES + 1]
        newest = (F("pk") + 0).desc()
        if user.sees_everything:
            everywhere = model.filter(pk__in=matching).exclude(pk__in=found).order_by(newest)
            return found + list(everywhere.values_list("pk", flat=True)[:need])
        if model.filter(first).order_by()[FIRST_MATCHES : FIRST_MATCHES + 1].exists():
            among = self.visible.filter(whole).order_by()
        else:
            among = self.among(matching) if self.among else self.visible.filter(pk__in=matching)
            among = among.order_by(newest)
        return found + list(among.exclude(pk__in=found).values_list("pk", flat=True)[:need])


def _person(words: Words) -> Q | None:
    """A person's keys: phone, email, WeChat id (a lead's or a contact's columns); WeChat ids
    in any case, by the index on LOWER(wechat)."""
    if words.phones:
        return starting_any("phone_e164", words.phones)
    if not words.email:
        return None
    return starting_any("email_normalized", [words.email]) | Q(Exact(Lower("wechat"), words.email))


def _either(*matches: Q | None) -> Q | None:
    present = [m for m in matches if m is not None]
    if not present:
        return None
    match = present[0]
    for more in present[1:]:
        match |= more
    return match


def _companies(user: User, words: Words) -> Finder | None:
    if words.phones:
        return None

    def hit(a: Account) -> Hit:
        detail = " · ".join(x for x in (a.industry, a.region, str(a.owner)) if x)
        rank = min(words.rank(a.name), EXACT if a.normalized_name == words.company_key else OTHER)
        return Hit("company", a.pk, a.name, detail, a.get_absolute_url(), rank)

    return Finder(
        Account.objects.visible_to(user),
        starting_any("normalized_name", [words.company_key]) if words.company_key else None,
        partial(words.names, "customers_account", "name") if not words.short else None,
        Account.objects.select_related("owner"),
        hit,
        among=lambda ids: Account.objects.visible_among(user, ids),
    )


def _contacts(user: User, words: Words) -> Finder:
    def hit(c: Contact) -> Hit:
        detail = " · ".join(x for x in (c.account.name, c.title, c.phone, c.email) if x)
        rank = min(words.rank(c.name), words.key_rank(c.phone_e164, c.email_normalized, c.wechat))
        url = c.get_absolute_url()
        return Hit("contact", c.pk, c.name, detail, url, rank)

    return Finder(
        Contact.objects.visible_to(user),
        _person(words),
        None if words.phones else partial(words.names, "customers_contact", "name"),
        Contact.objects.select_related("account"),
        hit,
        among=lambda ids: Contact.objects.visible_among(user, ids),
    )


def _leads(user: User, words: Words) -> Finder:
    statuses = {s.key: s.label.get(_language()) for s in active_playbook().lead_statuses}

    def hit(lead: Lead) -> Hit:
        status = statuses.get(lead.status, lead.status)
        detail = " · ".join(x for x in (lead.contact_name, status, str(lead.owner)) if x)
        rank = min(
            words.rank(lead.company_name, lead.contact_name),
            EXACT if lead.company_key == words.company_key else OTHER,
            words.key_rank(lead.phone_e164, lead.email_normalized, lead.wechat),
        )
        return Hit("lead", lead.pk, lead.company_name, detail, lead.get_absolute_url(), rank)

    company = None
    if words.company_key and not words.phones:
        company = starting_any("company_key", [words.company_key])
    names = None
    if not words.phones:
        names = (
            partial(words.names, "leads_lead", "contact_name")
            if words.short
            else partial(words.names, "leads_lead", "company_name", "contact_name")
        )
    return Finder(
        Lead.objects.visible_to(user),
        _either(_person(words), company),
        names,
        Lead.objects.select_related("owner"),
        hit,
    )


def _deals(user: User, words: Words) -> Finder | None:
    if words.phones:
        return None
    stages = active_playbook().stage_labels(_language())

    def hit(d: Deal) -> Hit:
        amount = format_money(d.amount, d.currency) if d.amount is not None else ""
        detail = " · ".join(x for x in (d.account.name, stages.get(d.stage, d.stage), amount) if x)
        return Hit("deal", d.pk, d.name, detail, d.get_absolute_url(), words.rank(d.name))

    return Finder(
        Deal.objects.visible_to(user),
        starting_any("name", [words.text]),  # the exact name, however many hold the words
        partial(words.names, "deals_deal", "name"),
        Deal.objects.select_related("account"),
        hit,
    )


def _tickets(user: User, words: Words) -> Finder | None:
    def hit(t: Ticket) -> Hit:
        detail = " · ".join((t.account.name, t.get_status_display()))
        rank = min(words.rank(t.title), words.key_rank(t.number))
        return Hit("ticket", t.pk, f"{t.number} {t.title}", detail, t.get_absolute_url(), rank)

    return Finder(
        Ticket.objects.visible_to(user),
        starting_any("number", words.numbers) if words.numbers else None,
        None if words.short or words.phones else partial(words.names, "aftersales_ticket", "title"),
        Ticket.objects.select_related("account"),
        hit,
    )


def _contracts(user: User, words: Words) -> Finder | None:
    def hit(c: Contract) -> Hit:
        detail = " · ".join(
            (c.customer, c.get_status_display(), format_money(c.amount, c.currency))
        )
        rank = min(words.rank(c.customer), words.key_rank(c.number))
        return Hit("contract", c.pk, c.number, detail, c.get_absolute_url(), rank)

    return Finder(
        contracts_visible_to(user).select_related(None),
        starting_any("number", words.numbers) if words.numbers else None,
        None
        if words.short or words.phones
        else partial(words.names, "contracts_contract", "customer"),
        Contract.objects.all(),
        hit,
    )


# In the order kinds are shown when they match equally well.
KINDS = {
    "company": (_("Companies"), _companies),
    "contact": (_("Contacts"), _contacts),
    "lead": (_("Leads"), _leads),
    "deal": (_("Deals"), _deals),
    "ticket": (_("Tickets"), _tickets),
    "contract": (_("Contracts"), _contracts),
}


def _language() -> str:
    return get_language() or "zh-hans"


def search(user: User, typed: str, *, shown: int = 5, kinds: list[str] | None = None) -> Results:
    """What `typed` finds among the records `user` may see: up to `shown` per kind, the kinds
    whose best match is best first."""
    results = Results(Words.of(typed))
    if results.too_short:
        return results
    words = results.words
    finders = {
        kind: finder
        for kind, (_label, finder_of) in KINDS.items()
        if (not kinds or kind in kinds) and (finder := finder_of(user, words))
    }
    wanted = max(CANDIDATES, shown + 1)  # one more than shown tells there are more
    keyed = {kind: finder.key_ids(user, wanted) for kind, finder in finders.items()}
    # An email, a WeChat id or a number that a record has is what was meant: names are not
    # searched for it as well.
    by_key = words.identifier and any(keyed.values())
    for kind, finder in finders.items():
        ids = keyed[kind] if by_key else finder.name_ids(user, keyed[kind], wanted)
        if not ids:
            continue
        hits = sorted(map(finder.hit, finder.shown.filter(pk__in=ids)), key=_best)
        results.groups.append(Group(kind, KINDS[kind][0], hits[:shown], more=len(hits) > shown))
    order = list(KINDS)
    results.groups.sort(key=lambda g: (g.best, order.index(g.kind)))
    return results


def _best(hit: Hit) -> tuple[int, int]:
    return hit.rank, -hit.id
