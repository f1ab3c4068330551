"""Contract template pages: the current templates with a form to save a new version, one
version with its clauses and history, its Word file."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from salesop.contracts import documents, files, rules, selectors, template_versions
from salesop.contracts.models import ContractTemplate, Risk
from salesop.core.errors import DomainError
from salesop.core.forms import flash_refusal
from salesop.core.params import parse_id, parse_int


def _template_form_rows(post) -> list[dict]:
    rows = []
    count = parse_int(post.get("clause_count")) or 0
    for i in range(max(0, min(count, 100))):
        row = {
            "key": post.get(f"key-{i}", "").strip(),
            "title": post.get(f"title-{i}", "").strip(),
            "text": post.get(f"text-{i}", "").strip(),
            "risk": post.get(f"risk-{i}", Risk.STANDARD),
        }
        if any((row["key"], row["title"], row["text"])):
            rows.append(row)
    return rows


@login_required
def template_list(request):
    if not rules.may_manage_templates(request.user):
        raise PermissionDenied
    base_id = parse_id(request.GET.get("from"))
    base = ContractTemplate.objects.filter(pk=base_id).first() if base_id else None
    errors, values = {}, None
    if request.method == "POST":
        values = _template_form_rows(request.POST)
        upload = request.FILES.get("docx")
        try:
            if upload is not None and upload.size > settings.CONTRACT_UPLOAD_MAX_BYTES:
                message = files.too_large_message()
                raise DomainError("too_large", message, {"docx": message})
            template = template_versions.template_save(
                by=request.user,
                code=request.POST.get("code", ""),
                name=request.POST.get("name", ""),
                clauses=values,
                docx=upload.read() if upload else None,
                docx_name=upload.name if upload else "",
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            flash_refusal(request, exc)
            errors = exc.fields
        else:
            messages.success(
                request,
                _("Template %(name)s saved as version %(number)d.")
                % {"name": template.name, "number": template.number},
            )
            return redirect("contracts:template", template.pk)
    if values is None:
        values = [
            {"key": c.key, "title": c.title, "text": c.text, "risk": c.risk}
            for c in (base.clauses.all() if base else [])
        ]
    rows = values + [{"key": "", "title": "", "text": "", "risk": Risk.STANDARD} for _ in "ab"]
    for i, row in enumerate(rows):
        row["index"] = i
        row["errors"] = {
            f: errors.get(f"clauses.{i}.{f}", "") for f in ("key", "title", "text", "risk")
        }
    context = {
        "templates": list(selectors.templates_current()),
        "base": base,
        "rows": rows,
        "errors": errors,
        "form": {
            "code": request.POST.get("code", base.code if base else ""),
            "name": request.POST.get("name", base.name if base else ""),
            "note": request.POST.get("note", ""),
        },
        "risks": Risk.choices,
        "placeholders": documents.PLACEHOLDERS,
    }
    status = 422 if errors else 200
    return render(request, "contracts/templates.html", context, status=status)


@login_required
def template_detail(request, template_id: int):
    template = selectors.template_for(template_id)
    return render(
        request,
        "contracts/template.html",
        {
            "template": template,
            "versions": list(selectors.template_versions(template.code)),
            "may_manage": rules.may_manage_templates(request.user),
        },
    )


@login_required
def template_docx(request, template_id: int):
    template = selectors.template_for(template_id)
    content = bytes(template.docx) if template.docx else documents.DEFAULT_TEMPLATE.read_bytes()
    response = HttpResponse(content, content_type=documents.DOCX_TYPE)
    name = template.docx_name or f"{template.code}-v{template.number}.docx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
