"""Word documents from templates users upload (docxtpl): the sandboxed template language,
rendering, and the looped table the shipped templates use."""

import io
import json
import multiprocessing
import os
import resource
import threading
import zipfile
from typing import Any

from django.utils.translation import gettext as _
from docx.opc.exceptions import OpcError
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml.etree import LxmlError

from salesop.core.errors import DomainError

# What reading an uploaded file as Word may raise besides a template error: not a package, a
# part missing, XML that is broken or hostile (an entity bomb: libxml2 refuses its
# amplification), or too big or deep to hold.
NOT_A_DOCUMENT = (
    NotImplementedError,  # a zip part compressed by a method zipfile lacks (deflate64)
    RuntimeError,  # an encrypted zip part
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


class DocumentTooCostly(DomainError):
    """A template that takes more CPU time, memory or output than a document may."""


# A template is a program its uploader wrote: `{% for %}` over range(100000) twice, or
# {{ 'x' * 300000000 }}, passed the sandbox and took minutes of CPU or gigabytes per document,
# filling every server thread. Each document is rendered in a child process (forked from a
# single-threaded server, so no lock of the web server's threads is copied) with limits on
# its CPU time, memory and output; a template that crosses one is refused at upload.
_children = multiprocessing.get_context("forkserver")
_children.set_forkserver_preload(["salesop.core.docx"])


def _forget_inherited_helpers() -> None:
    """A process forked after this one started its fork server (gunicorn's workers after
    `salesop demo` loaded its data) is not the server's parent: multiprocessing would wait on
    a process that is not its child ("No child processes") and every document would fail.
    The child starts its own fork server and resource tracker when it first needs them."""
    from multiprocessing import forkserver, resource_tracker

    server, tracker = forkserver._forkserver, resource_tracker._resource_tracker
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
    server._forkserver_address = server._forkserver_alive_fd = server._forkserver_pid = None
    server._lock = threading.Lock()
    if tracker._fd is not None:
        os.close(tracker._fd)
    tracker._fd = tracker._pid = None
    tracker._lock = threading.RLock()


os.register_at_fork(after_in_child=_forget_inherited_helpers)
MAX_OUTPUT = 50 * 1024 * 1024


def render_docx(content: bytes, context: dict[str, Any]) -> bytes:
    """The template rendered with `context` (plain data: text, numbers, lists, dicts). Raises
    jinja2's TemplateError when it does not render, DocumentTooCostly past the limits."""
    from django.conf import settings

    seconds, megabytes = settings.DOCUMENT_RENDER_SECONDS, settings.DOCUMENT_RENDER_MB
    plain = json.loads(json.dumps(context, default=str))  # lazy translations become text
    receive, send = _children.Pipe(duplex=False)
    child = _children.Process(
        target=_render_child, args=(send, content, plain, seconds, megabytes), daemon=True
    )
    child.start()
    send.close()
    try:
        kind, value = receive.recv() if receive.poll(seconds * 2 + 5) else ("time", None)
    except EOFError:  # killed: past its CPU time (SIGXCPU) or out of memory
        kind, value = "time", None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "ok":
        return value
    if kind == "error":
        raise TemplateError(value)
    message = _(
        "The document could not be generated: its template needs more than %(s)d seconds, "
        "%(mb)d MB of memory or %(out)d MB of output. Ask sales operations to correct it."
    ) % {"s": seconds, "mb": megabytes, "out": MAX_OUTPUT // (1024 * 1024)}
    raise DocumentTooCostly("document_too_costly", message, {"docx": message})


def _render_child(send, content: bytes, context: dict, seconds: int, megabytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024 * 1024,) * 2)
    try:
        from docxtpl import DocxTemplate

        template = DocxTemplate(io.BytesIO(content))
        template.render(context, jinja_env=jinja_env(), autoescape=True)
        out = io.BytesIO()
        template.save(out)
        document = out.getvalue()
        result = ("ok", document) if len(document) <= MAX_OUTPUT else ("output", None)
    except MemoryError:
        result = ("memory", None)
    except Exception as exc:  # noqa: BLE001 (any failure of the uploaded template is its own)
        result = ("error", f"{type(exc).__name__}: {exc}"[:500])
    send.send(result)
    send.close()


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
