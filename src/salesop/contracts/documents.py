"""Contract files: the Word template salesop ships, rendering a contract through docxtpl,
checking an uploaded template's placeholders against the data a contract has, and PDF
conversion when LibreOffice is installed.

`python -m salesop.contracts.documents` rebuilds the shipped template."""

import hashlib
import shutil
import subprocess  # fixed argument lists only  # nosec B404
import tempfile
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from salesop.core.docx import (
    add_loop_table,
    render_docx,
    template_problem,
)

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "contracts" / "contract.docx"

# Every name a contract template may use; a template naming anything else cannot be filled.
PLACEHOLDERS = (
    "contract_number",
    "date",
    "seller",
    "customer",
    "deal",
    "amount",
    "currency",
    "payment_term_days",
    "lines",
    "concessions",
    "clauses",
    "target_signing_date",
)
REQUIRED = ("customer", "amount", "payment_term_days", "clauses")

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

SAMPLE: dict[str, Any] = {
    "contract_number": "HT2026-00001",
    "date": "2026-01-01",
    "seller": "Seller Co.",
    "customer": "Buyer Co.",
    "deal": "Sample deal",
    "amount": "¥1.00",
    "currency": "CNY",
    "payment_term_days": 30,
    "lines": [{"description": "item", "quantity": 1, "unit_price": "¥1.00", "amount": "¥1.00"}],
    "concessions": ["training"],
    "clauses": [{"key": "payment", "title": "Payment", "text": "Pay in 30 days."}],
    "target_signing_date": "2026-01-31",
}


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def build_default_template(path: Path = DEFAULT_TEMPLATE) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("合同 Contract {{ contract_number }}", level=0)
    document.add_paragraph("甲方(买方)Buyer: {{ customer }}")
    document.add_paragraph("乙方(卖方)Seller: {{ seller }}")
    document.add_paragraph("项目 Project: {{ deal }}")
    document.add_paragraph("日期 Date: {{ date }}")
    document.add_heading("标的与价款 Scope and price", level=1)
    add_loop_table(
        document,
        ["项目 Item", "数量 Qty", "单价 Unit price", "金额 Amount"],
        [
            "{{ line.description }}",
            "{{ line.quantity }}",
            "{{ line.unit_price }}",
            "{{ line.amount }}",
        ],
        "line in lines",
    )
    document.add_paragraph("合同总价 Total: {{ amount }} ({{ currency }})")
    document.add_paragraph("付款期限 Payment term: {{ payment_term_days }} 天 days")
    document.add_paragraph("{%p if concessions %}")
    document.add_paragraph("附加条件 Also included: {{ concessions|join(', ') }}")
    document.add_paragraph("{%p endif %}")
    document.add_paragraph("{%p for clause in clauses %}")
    document.add_heading("{{ loop.index }}. {{ clause.title }}", level=2)
    document.add_paragraph("{{ clause.text }}")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("甲方(盖章)Buyer (seal):                乙方(盖章)Seller (seal):")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def render(template_docx: bytes | None, context: dict[str, Any]) -> bytes:
    return render_docx(template_docx or DEFAULT_TEMPLATE.read_bytes(), context)


def template_problems(content: bytes) -> str | None:
    """Why a Word file cannot be a contract template: not a .docx, a broken tag, a placeholder
    the contract data cannot fill, or a required one missing (each named). None if it renders
    with sample data."""
    return template_problem(content, SAMPLE, _placeholder_problem)


def _placeholder_problem(declared: set[str]) -> str | None:
    unknown = sorted(declared - set(PLACEHOLDERS))
    if unknown:
        return _(
            "The template uses placeholders a contract cannot fill: %(names)s. Known: %(known)s."
        ) % {"names": ", ".join(unknown), "known": ", ".join(PLACEHOLDERS)}
    missing = [name for name in REQUIRED if name not in declared]
    if missing:
        return _("The template lacks required placeholders: %(names)s.") % {
            "names": ", ".join(missing)
        }
    return None


def pdf_available() -> bool:
    return _soffice() is not None


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes) -> bytes | None:
    """The document converted by LibreOffice, or None when it is not installed or fails."""
    binary = _soffice()
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "contract.docx"
        source.write_bytes(docx)
        try:
            subprocess.run(  # noqa: S603  (a fixed binary on PATH, our own file)  # nosec B603
                [binary, "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
                check=True,
                capture_output=True,
                timeout=120,
                env={"HOME": folder, "PATH": "/usr/bin:/bin"},
            )
        except (subprocess.SubprocessError, OSError):
            return None
        result = Path(folder) / "contract.pdf"
        return result.read_bytes() if result.is_file() else None


# What a signed copy may be: PDF or an image, recognised by its first bytes, not its name.
SIGNED_TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}


def scan_type(content: bytes) -> str | None:
    for magic, content_type in SIGNED_TYPES.items():
        if content.startswith(magic):
            return content_type
    return None


if __name__ == "__main__":
    print(build_default_template())
