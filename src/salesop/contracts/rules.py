"""Pure contract rules: when a clause deviates from its standard text, which deviations go to
legal, and the side-by-side highlighting legal reads."""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from salesop.accounts.models import Role, User
from salesop.accounts.rules import manages_others
from salesop.contracts.models import Contract
from salesop.deals.models import Deal

# Punctuation NFKC leaves full-width: the Chinese and English forms read the same.
_PUNCTUATION = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "【": "[",
        "】": "]",
        "〔": "(",
        "〕": ")",
        "—": "-",
        "–": "-",
        "－": "-",
        "…": "...",
    }
)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The clause as compared: full-width forms folded to half-width (NFKC plus the Chinese
    punctuation it keeps), all whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).translate(_PUNCTUATION))


def deviates(standard: str, text: str) -> bool:
    return normalise(standard) != normalise(text)


def review_reason(
    *, key: str, risk: str, deviates: bool, review_clauses: list[str], review_any: bool
) -> str | None:
    """Why legal must see this clause (a reason code), or None."""
    if not deviates:
        return None
    if risk == "special":
        return "special"
    if key in review_clauses:
        return "listed"
    if review_any:
        return "deviation"
    return None


PAYMENT_CLAUSE = "payment"
PAYMENT_TERM_FIELD = "{{ payment_term_days }}"  # a clause text's place for the quote's days
_DAYS = re.compile(
    r"(\d{1,4})\s*(?:个)?\s*"
    r"(?:日历日|自然日|工作日|日|天|(?:calendar |business |working )?days?\b)",
    re.IGNORECASE,
)


def with_payment_term(text: str, days: int) -> str:
    """A clause text with the quote's payment term written in where the template asks."""
    return text.replace(PAYMENT_TERM_FIELD, str(days))


def payment_term_contradiction(key: str, text: str, days: int) -> list[int]:
    """The day counts a payment clause names when none of them is the quote's payment term
    (legal must see it: "75 days" in the header, "30 days" in the clause); empty when the
    clause agrees, names no days, or is not the payment clause."""
    if key != PAYMENT_CLAUSE:
        return []
    named = [int(n) for n in _DAYS.findall(text)]
    return [] if not named or days in named else named


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


def side_by_side(standard: str, text: str) -> tuple[list[Segment], list[Segment]]:
    """The standard text and the contract's text as segments, with what one has and the other
    lacks marked changed; whitespace-only and punctuation-width differences are not marked."""
    a, b = _comparable(standard), _comparable(text)
    left: list[Segment] = []
    right: list[Segment] = []
    for op, i1, i2, j1, j2 in _opcodes([c for c, _ in a], [c for c, _ in b]):
        changed = op != "equal"
        _emit(left, standard, a, i1, i2, changed)
        _emit(right, text, b, j1, j2, changed)
    # A side with nothing but whitespace has no compared characters: keep it, unmarked.
    return left or _blank(standard), right or _blank(text)


def _blank(text: str) -> list[Segment]:
    return [Segment(text, False)] if text else []


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher's opcodes, with the common start and end taken off first: a rep's edit
    is usually local, and character matching of long clauses is quadratic."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    middle = SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
    ops = [("equal", 0, head, 0, head)] if head else []
    ops += [
        (op, i1 + head, i2 + head, j1 + head, j2 + head)
        for op, i1, i2, j1, j2 in middle.get_opcodes()
    ]
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def _comparable(text: str) -> list[tuple[str, int]]:
    """The characters compared, each with its offset in the original text."""
    out = []
    for i, char in enumerate(text):
        folded = normalise(char)
        if folded:
            out.append((folded, i))
    return out


def _emit(segments: list[Segment], text: str, chars, start: int, end: int, changed: bool):
    if start == end:
        return
    # Cover the original text from the first compared character to the one before the next
    # run, so whitespace between characters stays with its run.
    begin = chars[start][1] if start > 0 else 0
    stop = chars[end][1] if end < len(chars) else len(text)
    piece = text[begin:stop]
    if segments and segments[-1].changed == changed:
        segments[-1] = Segment(segments[-1].text + piece, changed)
    else:
        segments.append(Segment(piece, changed))


def signing_documents_missing(required: list[str], ready: list[str]) -> list[str]:
    return [key for key in required if key not in ready]


# --- who may do what: the one answer for pages, the API and the services ---------------


def may_manage_templates(user: User) -> bool:
    return user.can_administer or Role.LEGAL in user.roles


def may_edit(user: User, contract: Contract) -> bool:
    """The deal's owner, or a manager or sales ops who can see the deal."""
    if user.pk == contract.deal.owner_id:
        return True
    return manages_others(user) and Deal.objects.seen_by(user, contract.deal_id)


def may_review(user: User, contract: Contract) -> bool:
    """Legal reviews, never their own contract."""
    return (Role.LEGAL in user.roles or user.is_superuser) and user.pk != contract.deal.owner_id


def is_reviewer(user: User) -> bool:
    return Role.LEGAL in user.roles or user.sees_everything
