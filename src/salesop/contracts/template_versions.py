"""Contract templates: each save is a new version of its code, its clauses checked and its
Word file checked against what a contract can fill."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.contracts import documents
from salesop.contracts.files import too_large_message
from salesop.contracts.models import ContractTemplate, Risk, TemplateClause
from salesop.contracts.rules import may_manage_templates
from salesop.core.audit import audit_actor, guarded_update
from salesop.core.errors import DomainError

MAX_CLAUSES = 60


def _clean_clauses(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not clauses:
        raise DomainError(
            "invalid", _("A template needs at least one clause."), {"clauses": _("Add a clause.")}
        )
    if len(clauses) > MAX_CLAUSES:
        message = _("A template has at most %(n)d clauses.") % {"n": MAX_CLAUSES}
        raise DomainError("invalid", message, {"clauses": message})
    errors: dict[str, str] = {}
    seen: set[str] = set()
    cleaned = []
    for i, clause in enumerate(clauses):
        key = str(clause.get("key") or "").strip()
        title = str(clause.get("title") or "").strip()
        text = str(clause.get("text") or "").strip()
        risk = clause.get("risk") or Risk.STANDARD
        at = f"clauses.{i}"
        if not key or not key.replace("_", "").replace("-", "").isalnum() or not key.isascii():
            errors[f"{at}.key"] = _("Use letters, digits, - and _ only.")
        elif len(key) > 32:
            errors[f"{at}.key"] = _("At most %(n)d characters.") % {"n": 32}
        elif key in seen:
            errors[f"{at}.key"] = _("Another clause has the key %(key)s.") % {"key": key}
        seen.add(key)
        if not title:
            errors[f"{at}.title"] = _("Give the clause a title.")
        elif len(title) > 100:
            errors[f"{at}.title"] = _("At most %(n)d characters.") % {"n": 100}
        if not text:
            errors[f"{at}.text"] = _("Give the clause's standard text.")
        elif len(text) > 10000:
            errors[f"{at}.text"] = _("At most %(n)d characters.") % {"n": 10000}
        if risk not in Risk.values:
            errors[f"{at}.risk"] = _("Choose standard or special risk.")
        cleaned.append({"key": key, "title": title, "text": text, "risk": risk})
    if errors:
        raise DomainError("invalid", _("Please correct the clauses marked."), errors)
    return cleaned


def template_save(
    *,
    by: User,
    code: str,
    name: str,
    clauses: list[dict[str, Any]],
    docx: bytes | None = None,
    docx_name: str = "",
    keep_docx: bool = True,
    note: str = "",
) -> ContractTemplate:
    """Saves a template as a new version of `code` (version 1 if new); the previous version
    stays for the contracts made from it. Without a new Word file the previous version's file
    is kept (`keep_docx`); a Word file is refused, with the names, if its placeholders do not
    match what a contract can fill."""
    if not may_manage_templates(by):
        raise DomainError("forbidden", _("Only legal or sales operations change templates."))
    code = (code or "").strip()
    name = (name or "").strip()
    errors = {}
    if not code or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        errors["code"] = _("Use letters, digits, - and _ only.")
    elif len(code) > 40:
        errors["code"] = _("At most %(n)d characters.") % {"n": 40}
    if not name:
        errors["name"] = _("Give the template a name.")
    elif len(name) > 200:
        errors["name"] = _("At most %(n)d characters.") % {"n": 200}
    if errors:
        raise DomainError("invalid", _("Please correct the fields marked."), errors)
    cleaned = _clean_clauses(clauses)
    if docx is not None:
        if len(docx) > settings.CONTRACT_UPLOAD_MAX_BYTES:
            message = too_large_message()
            raise DomainError("too_large", message, {"docx": message})
        # renders for up to DOCUMENT_RENDER_SECONDS: before the transaction, or SQLite's
        # single writer (and the previous version's row lock) would wait for it
        if problem := documents.template_problems(docx):
            raise DomainError("invalid_template", problem, {"docx": problem})
    with transaction.atomic():
        previous = (
            ContractTemplate.objects.select_for_update().filter(code=code, current=True).first()
        )
        if docx is None and keep_docx and previous is not None and previous.docx:
            docx, docx_name = bytes(previous.docx), previous.docx_name
        number = (
            ContractTemplate.objects.filter(code=code).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        with audit_actor(by):
            if previous is not None:
                guarded_update(previous, {"current": True}, current=False)
            template = ContractTemplate.objects.create(
                code=code,
                number=number,
                name=name,
                docx=docx,
                docx_name=(docx_name or "")[:200] if docx else "",
                note=(note or "")[:300],
                created_by=by,
            )
            TemplateClause.objects.bulk_create(
                TemplateClause(template=template, position=i, **clause)
                for i, clause in enumerate(cleaned)
            )
    return template
