"""Matching keys for duplicate detection: the same company written differently, the same
phone in any format, the same email in any case."""

import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext_lazy as _

from salesop.accounts.rules import manages_others

# A company is in salesop once: what the form, the API and an import say to a second one.
ALREADY_HERE = _(
    "This company is already in salesop (same name once case, width, punctuation and suffixes "
    "like 有限公司 or Co., Ltd. are ignored); ask sales operations to share it."
)

# Legal-form suffixes that do not tell two companies apart. Chinese ones end the name without
# a space, so they are cut from the joined key; Latin ones only as whole trailing words (so
# "Nico" keeps its "co").
_CJK_SUFFIXES = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "有限公司",
        "集团公司",
        "分公司",
        "公司",
        "集团",
    ],
    key=len,
    reverse=True,
)
_WORD_SUFFIXES = {
    "co",
    "ltd",
    "limited",
    "company",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "pte",
    "group",
    "holdings",
}
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_company(name: str) -> str:
    """A key equal for 上海云仓物流有限公司 / 上海云仓物流 and Contoso Co., Ltd. / CONTOSO LTD:
    full-width folded to half-width, case folded, punctuation and spaces removed, legal-form
    suffixes dropped (repeatedly: "Contoso Group Co., Ltd." -> "contoso")."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    words = [w for w in _NOT_WORD.split(text) if w]
    while len(words) > 1 and words[-1] in _WORD_SUFFIXES:
        words.pop()
    key = "".join(words)
    changed = True
    while changed:
        changed = False
        for suffix in _CJK_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                key = key[: -len(suffix)]
                changed = True
                break
    return key


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email or "").strip().casefold()


def normalize_phone(raw: str, region: str = "CN") -> str:
    """E.164 (+8613812345678) when the number is valid, else "" (not a matching key)."""
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]{4,}$")


def phone_prefixes(typed: str) -> list[str]:
    """The E.164 beginnings a typed number (or its beginning) can be, in whatever format it is
    written: "+86 138-0013", "0086 138 0013", "86138...", "138 0013" or "021 6888" (a national
    number without or with its trunk 0, read in China as normalize_phone does). Empty when the
    words are not a number of four digits or more."""
    text = unicodedata.normalize("NFKC", typed).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not PHONE_LIKE.match(text) or len(digits) < 4:
        return []
    if text.startswith("+"):
        return ["+" + digits]
    if digits.startswith("00"):  # the international call prefix
        return ["+" + digits[2:]]
    national = digits[1:] if digits.startswith("0") else digits
    return list(dict.fromkeys(["+86" + national, "+" + digits]))


# The header words every import kind knows a company's columns by, English and Chinese (an
# English CRM export's sector and office_location included).
INDUSTRY_WORDS = ["industry", "sector", "行业", "所属行业"]
REGION_WORDS = ["region", "office location", "location", "地区", "省份", "办公地点", "所在地"]
EMPLOYEE_WORDS = [
    "employees", "size", "head count", "headcount", "staff", "规模", "员工规模", "员工人数", "人数",
]  # fmt: skip

# The employee bands a company is sorted into, by their lowest head count (customers.models'
# EmployeeBand values); a file's head count (4,320, "4320人") lands in its band.
BANDS = ((5000, "5000+"), (1000, "1000-4999"), (200, "200-999"), (50, "50-199"), (1, "1-49"))


def employee_band(value) -> str | None:
    """A band for a file's employees cell: a band as written ("50-199", "5000+"), or a head
    count (4,320, "4320人", 4320.0) banded; "" for an empty cell; None when it is neither."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    text = re.sub(r"\s*(人|名|employees?|staff)$", "", text, flags=re.IGNORECASE).strip()
    if not text:
        return ""
    if text in {band for _floor, band in BANDS}:
        return text
    digits = text.replace(",", "")
    if re.fullmatch(r"\d+(\.0+)?", digits) and int(float(digits)) >= 1:
        count = int(float(digits))
        return next(band for floor, band in BANDS if count >= floor)
    return None


def may_merge(user) -> bool:
    """Merges a duplicate company into another: a sales manager or sales operations."""
    return manages_others(user)
