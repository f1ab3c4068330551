"""Word documents from templates users upload (docxtpl): the sandboxed template language,
rendering, and the looped table the shipped templates use."""

import functools
import io
import json
import multiprocessing
import os
import resource
import threading
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from docx.opc.exceptions import OpcError
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml.etree import LxmlError

from salesop.core.errors import Busy, DomainError
from salesop.core.ooxml import WORD_TEMPLATE, zip_problem

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
    zlib.error,  # a part's compressed data broken
)


def jinja_env() -> SandboxedEnvironment:
    # Templates come from an upload: sandboxed, and every value XML-escaped.
    return SandboxedEnvironment(autoescape=True)


class DocumentFailed(DomainError):
    """A document its template could not be filled for: the template fails on this record's
    data, or (DocumentTooCostly) takes more CPU time, memory or output than a document may."""


class DocumentTooCostly(DocumentFailed):
    """Past the limits of CPU time, memory or output."""


class DocumentsBusy(DocumentFailed, Busy):
    """Every rendering slot of the process is taken (the API answers 503, Retry-After)."""


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
    DocumentFailed when it does not render (a template can pass its check on sample data and
    fail on a real record's), DocumentTooCostly past the limits."""
    kind, value = _in_child(_render_job, content, context)
    if kind == "ok":
        return value
    if kind == "error":
        message = _(
            "The document could not be generated: its template fails on this record's data "
            "(%(error)s). Ask legal or sales operations to correct the template."
        ) % {"error": value}
        raise DocumentFailed("document_failed", message, {"docx": message})
    message = (
        _(
            "The document could not be generated: its template needs more than %(s)d seconds, "
            "%(mb)d MB of memory or %(out)d MB of output. Ask legal or sales operations to "
            "simplify it."
        )
        % _limits()
    )
    raise DocumentTooCostly("document_too_costly", message, {"docx": message})


def template_problem(
    content: bytes, sample: dict[str, Any], placeholders: Callable[[set[str]], str | None]
) -> str | None:
    """Why an uploaded file cannot serve as a Word template: not a .docx, a hostile zip, a
    broken tag, names `placeholders` refuses (it says why), an error or a cost past the limits
    when rendered with `sample`. None when it is usable. Reading the tags runs in the limited
    child too: docxtpl's parse is quadratic on unclosed tags (40,000 took 52 s)."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return _("The file is not a Word document (.docx).")
    if problem := zip_problem(io.BytesIO(content), WORD_TEMPLATE):
        return problem
    kind, value = _in_child(_inspect_job, content, sample)
    if kind == "unusable":
        return _("The file is not a usable Word document (.docx).")
    if kind == "deep":
        return _("The template nests its tags too deeply: simplify its conditions and loops.")
    if kind in ("tag", "error"):
        return _("The template has a broken tag: %(error)s") % {"error": value}
    if kind != "ok":
        return (
            _(
                "Filling the template with sample data needs more than %(s)d seconds, %(mb)d MB "
                "of memory or %(out)d MB of output: simplify its loops and expressions."
            )
            % _limits()
        )
    declared, render_error = value
    if problem := placeholders(set(declared)):
        return problem
    if render_error:
        return _("The template does not render: %(error)s") % {"error": render_error}
    return None


def _limits() -> dict[str, int]:
    from django.conf import settings

    return {
        "s": settings.DOCUMENT_RENDER_SECONDS,
        "mb": settings.DOCUMENT_RENDER_MB,
        "out": MAX_OUTPUT // (1024 * 1024),
    }


@functools.cache
def _slots(at_once: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(at_once)


def _in_child(job, content: bytes, context: dict[str, Any]) -> tuple[str, Any]:
    """`job(content, context)` in a child process under the CPU, memory and output limits:
    its ("ok", value) or ("error", text), or ("time" | "memory" | "output", None). At most
    SALESOP_DOCUMENT_RENDERS_AT_ONCE children per server process: each holds a server thread
    for up to its time limit, and eight costly documents at once held them all (a login took
    88 s). Past that, a document waits a quarter of a second for a slot, then is refused as
    busy (the wait holds a thread too)."""
    from django.conf import settings

    slots = _slots(settings.DOCUMENT_RENDERS_AT_ONCE)
    if not slots.acquire(timeout=0.25):
        message = _("Other documents are being generated right now: try again in a minute.")
        raise DocumentsBusy("documents_busy", message, {"docx": message})
    try:
        return _run_child(job, content, context)
    finally:
        slots.release()


def _run_child(job, content: bytes, context: dict[str, Any]) -> tuple[str, Any]:
    limits = _limits()
    seconds = limits["s"]
    plain = json.loads(json.dumps(context, default=str))  # lazy translations become text
    receive, send = _children.Pipe(duplex=False)
    child = _children.Process(
        target=_child, args=(send, job, content, plain, seconds, limits["mb"]), daemon=True
    )
    child.start()
    send.close()
    try:
        return receive.recv() if receive.poll(seconds * 2 + 5) else ("time", None)
    except EOFError:  # killed: past its CPU time (SIGXCPU) or out of memory
        return "time", None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()


def _child(send, job, content: bytes, context: dict, seconds: int, megabytes: int) -> None:
    os.nice(10)  # behind the server's own threads for the CPU: logins stay fast meanwhile
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (megabytes * 1024 * 1024,) * 2)
    try:
        result = job(content, context)
    except MemoryError:
        result = ("memory", None)
    except Exception as exc:  # noqa: BLE001 (any failure of the uploaded template is its own)
        result = ("error", _exception_text(exc))
    send.send(result)
    send.close()


def _exception_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _render(content: bytes, context: dict) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(content))
    template.render(context, jinja_env=jinja_env(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _render_job(content: bytes, context: dict) -> tuple[str, Any]:
    document = _render(content, context)
    return ("ok", document) if len(document) <= MAX_OUTPUT else ("output", None)


def _inspect_job(content: bytes, sample: dict) -> tuple[str, Any]:
    """The names the template uses and the error rendering `sample` gives (None: renders)."""
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(io.BytesIO(content))
        declared = template.get_undeclared_template_variables(jinja_env=jinja_env())
    except TemplateError as exc:
        return "tag", str(exc)[:500]
    except MemoryError:
        raise
    except RecursionError:  # a well-formed file whose tags nest past what the parser follows
        return "deep", None
    except NOT_A_DOCUMENT:
        return "unusable", None
    try:
        if len(_render(content, sample)) > MAX_OUTPUT:
            return "output", None
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 (any failure of the uploaded template is its own)
        return "ok", (sorted(declared), _exception_text(exc))
    return "ok", (sorted(declared), None)


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
