"""Word documents from templates users upload (docxtpl): the sandboxed template language,
rendering, and the looped table the shipped templates use."""

import io
import zipfile
from typing import Any

from docx.opc.exceptions import OpcError
from jinja2.sandbox import SandboxedEnvironment
from lxml.etree import LxmlError

# What reading an uploaded file as Word may raise besides a template error: not a package, a
# part missing, XML that is broken or hostile (an entity bomb: libxml2 refuses its
# amplification), or too big or deep to hold.
NOT_A_DOCUMENT = (
    KeyError,
    ValueError,
    zipfile.BadZipFile,
    OSError,
    OpcError,
    LxmlError,
    MemoryError,
    RecursionError,
)


def jinja_env() -> SandboxedEnvironment:
    # Templates come from an upload: sandboxed, and every value XML-escaped.
    return SandboxedEnvironment(autoescape=True)


def render_docx(content: bytes, context: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(content))
    template.render(context, jinja_env=jinja_env(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def add_loop_table(document, header: list[str], cells: list[str], loop: str) -> None:
    """A table with a header row and one row repeated by docxtpl's `{%tr for ... %}`
    (`loop`, e.g. "row in rows")."""
    table = document.add_table(rows=4, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    table.rows[1].cells[0].text = f"{{%tr for {loop} %}}"
    for cell, text in zip(table.rows[2].cells, cells, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
