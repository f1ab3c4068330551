"""Text that sales ops write in both languages (the playbook's labels, a clause's or a
concession's label): data, not code, so gettext cannot carry it. Which of the two a reader
gets is decided here, once."""

from django.utils.translation import get_language


def reads_chinese(language: str | None = None) -> bool:
    """Whether `language` (else the active one) is a Chinese variant: zh, zh-hans, zh-hant."""
    return (language if language is not None else get_language() or "").startswith("zh")


def in_language(zh: str, en: str, language: str | None = None) -> str:
    """The Chinese or the English of a pair, for `language` (else the active one)."""
    return zh if reads_chinese(language) else en
