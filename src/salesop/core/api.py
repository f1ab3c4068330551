"""What every API router shares: strict input schemas, the error body and its handlers."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import ninja.parser
from annotated_types import Interval
from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema, field_validator

from salesop.core.errors import Busy, Conflict, DomainError, schema_message


class StrictIn(Schema):
    """Input bodies refuse fields they do not know. Use StrictInt/StrictBool for numbers and
    flags, so `false` or "5" is not silently read as 0 or 5."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _same_instant_in_utc(cls, value: Any) -> Any:
        """A time with an offset is kept as the same instant in UTC: the database stores no
        offset, and PostgreSQL refuses ones beyond ±15:59 that JSON's date-time allows."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


def _whole(value: Any) -> Any:
    """JSON has one number type: 3.0 is the integer 3, as JSON Schema says."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


BIGGEST = 2**63 - 1  # what a database integer column holds

# An integer in a body: 3 and 3.0 are read as 3; "3", true and 3.5 are refused. Give its
# bounds with Field(ge=..., le=...) where it is used.
StrictInt = Annotated[int, Strict(), BeforeValidator(_whole)]


def bounded(ge: int, le: int = BIGGEST):
    """StrictInt with its bounds built in, for fields that take no Field(ge, le) of their own
    (pydantic would drop them)."""
    return Annotated[int, Strict(), Interval(ge=ge, le=le), BeforeValidator(_whole)]


IdIn = bounded(1)  # a record's id in a body
ExpectedVersion = bounded(0)  # the version a write expects to change
Id = Annotated[int, Interval(ge=1, le=BIGGEST)]  # a record's id in a path or query


def DecimalIn(  # noqa: N802 (it makes a type)
    *, whole: int = 12, places: int = 2, signed: bool = False, most: int | None = None, pattern=""
):
    """A decimal an API body or query takes: a string such as "1234.50" (at most `whole`
    digits before the point and `places` after it) or a whole JSON number. Fractions written
    as JSON numbers are refused, as binary floats cannot carry money exactly. The schema says
    all of this, so clients and fuzzers know."""
    sign = "-?" if signed else ""
    pattern = pattern or rf"^{sign}[0-9]{{1,{whole}}}(\.[0-9]{{1,{places}}})?$"
    largest = 10**whole - 1 if most is None else most
    matches = re.compile(pattern).search  # as JSON Schema reads a pattern

    def refuse_inexact(value: Any) -> Any:
        value = _whole(value)
        if isinstance(value, bool | float) or (isinstance(value, str) and not matches(value)):
            raise ValueError(
                _(
                    'Write it as text like "1234.50" (%(places)d decimals at most) '
                    "or a whole number."
                )
                % {"places": places}
            )
        return value

    return Annotated[
        Decimal,
        BeforeValidator(refuse_inexact),
        Field(ge=None if signed else 0, le=most, max_digits=whole + places, decimal_places=places),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "string", "pattern": pattern},
                    {"type": "integer", "minimum": -largest if signed else 0, "maximum": largest},
                ]
            }
        ),
    ]


Percent = DecimalIn(whole=3, most=100, pattern=r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: str
    code: str = ""
    errors: list[ErrorItem] = []


# Any signed-in call can meet a role check (403) and the per-caller rate limit (429).
READ_ERRORS = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}
WRITE_ERRORS = {400: ErrorOut, **READ_ERRORS}
# State changes also answer 409 when someone else changed the record first.
STATE_ERRORS = {**WRITE_ERRORS, 409: ErrorOut}


class NulCharacter(ValueError):
    """Text holding a NUL character, which no one types and PostgreSQL cannot store."""

    def __init__(self, loc: list[str | int]):
        super().__init__(loc)
        self.loc = loc


def _refuse_nul(value: Any, loc: list[str | int]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise NulCharacter(loc)
    elif isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(key, str) and "\x00" in key:
                raise NulCharacter(loc)
            _refuse_nul(item, [*loc, key])


class Parser(ninja.parser.Parser):
    """JSON bodies, query strings and form fields, refusing text with a NUL character."""

    def parse_body(self, request):
        data = super().parse_body(request)
        _refuse_nul(data, ["body"])  # ninja turns this into a 400; http_error says where
        return data

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        where = "query" if data is request.GET else "body"
        try:
            _refuse_nul(parsed, [where])
        except NulCharacter as exc:
            raise HttpError(400, "") from exc
        return parsed


def _unparsable_body(exc: HttpError) -> str:
    """ninja reports any body it cannot parse as 400 without saying where: say where."""
    cause = exc.__cause__
    if isinstance(cause, json.JSONDecodeError):
        # Python says why in English only: where is what the reader can act on
        return _("The request body is not valid JSON at line %(line)d, column %(col)d.") % {
            "line": cause.lineno,
            "col": cause.colno,
        }
    return _("The request body is not valid JSON.")


def _body(detail: str, errors: list[dict[str, Any]] | None = None, code: str = "") -> dict:
    return {"detail": detail, "code": code, "errors": errors or []}


def _loc(loc: Any) -> list[str | int]:
    parts = list(loc)
    # ninja puts the view's argument name after "body": drop it, users see field paths.
    if len(parts) > 2 and parts[0] == "body":
        parts = ["body", *parts[2:]]
    return parts


def _field_errors(request, fields: dict[str, str]) -> list[dict[str, Any]]:
    def where(name: str) -> str:
        if name in request.GET:
            return "query"
        # Body fields are snake_case; a hyphenated name is a header (Idempotency-Key).
        return "header" if "-" in name else "body"

    return [{"loc": [where(name), name], "msg": msg} for name, msg in fields.items()]


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        errors = [{"loc": _loc(e.get("loc", [])), "msg": schema_message(e)} for e in exc.errors]
        return api.create_response(
            request, _body(_("The input is not valid."), errors, "schema"), status=422
        )

    @api.exception_handler(Conflict)
    def conflict(request, exc):
        errors = _field_errors(request, exc.fields)
        return api.create_response(request, _body(exc.message, errors, exc.code), status=409)

    @api.exception_handler(Busy)
    def busy(request, exc):
        response = api.create_response(request, _body(exc.message, code=exc.code), status=503)
        response["Retry-After"] = "60"
        return response

    @api.exception_handler(DomainError)
    def domain_error(request, exc):
        if exc.code == "forbidden":
            return api.create_response(request, _body(exc.message, code=exc.code), status=403)
        detailed = getattr(exc, "errors", None)  # a refused playbook: one entry per problem
        if detailed:
            errors = [
                {
                    "loc": ["body", "text", *([e.path] if e.path else [])],
                    "msg": f"line {e.line}: {e.message}" if e.line else e.message,
                }
                for e in detailed
            ]
        else:
            errors = _field_errors(request, exc.fields)
        return api.create_response(request, _body(exc.message, errors, exc.code), status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        detail = getattr(request, "api_token_error", "") or _(
            "Authentication required: log in, or send 'Authorization: Bearer <token>'."
        )
        return api.create_response(request, _body(detail, code="unauthenticated"), status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if exc.status_code == 403 and str(exc) == "CSRF check Failed":  # ninja's SessionAuth
            detail = _(
                "The CSRF check failed: a signed-in browser's writes carry the page's CSRF "
                "token in the X-CSRFToken header. Scripts use an API token instead."
            )
            return api.create_response(request, _body(detail, code="csrf_failed"), status=403)
        if isinstance(exc, Throttled):
            detail = _(
                "Too many requests: this caller has used its API calls for the minute; "
                "wait, then try again."
            )
            return api.create_response(request, _body(detail, code="throttled"), status=429)
        if exc.status_code == 400 and isinstance(exc.__cause__, NulCharacter):
            detail = _("Text may not contain the NUL character (\\u0000).")
            errors = [{"loc": exc.__cause__.loc, "msg": detail}]
            return api.create_response(request, _body(detail, errors, "nul_character"), status=422)
        if exc.status_code == 400:
            detail = _unparsable_body(exc)
            return api.create_response(
                request, _body(detail, [{"loc": ["body"], "msg": detail}], "bad_json"), status=400
            )
        return api.create_response(request, _body(str(exc)), status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body(_("Not found."), code="not_found"), status=404)

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return api.create_response(request, _body(_("Not found."), code="not_found"), status=404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        detail = str(exc) or _("Your role does not allow this.")
        return api.create_response(request, _body(detail, code="forbidden"), status=403)


# Errors Django answers itself -------------------------------------------------------------
# The handlers above answer what reaches an operation. Django answers the rest before or
# after it: a path no operation has, a method a path does not take (ninja answers that with
# text), an unreadable body, an unhandled exception. Under /api/ those answer the same body.

API_PATH = "/api/"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


def _json(response, body: dict) -> None:
    """Rewrites `response` in place, so its headers and cookies (Allow, a session) stay."""
    response.content = json.dumps(body, ensure_ascii=False)
    response["Content-Type"] = "application/json; charset=utf-8"
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))


def request_refused(request, exception=None):
    """handler400: a request Django refused to read. A body over DATA_UPLOAD_MAX_MEMORY_SIZE is
    413, too many fields or files 400, each saying which limit; pages get Django's page."""
    if isinstance(exception, RequestDataTooBig):
        status, code = 413, "too_large"
        detail = _("The request body is larger than %(size)s.") % {
            "size": _size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        }
    elif isinstance(exception, TooManyFieldsSent):
        status, code = 400, "too_many_fields"
        detail = _("The request has more than %(n)d fields.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    elif isinstance(exception, TooManyFilesSent):
        status, code = 400, "too_many_files"
        detail = _("The request has more than %(n)d files.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    else:
        status, code, detail = 400, "bad_request", _("The request could not be read.")
    response = defaults.bad_request(request, exception)
    response.status_code = status
    if request.path_info.startswith(API_PATH):
        _json(response, _body(detail, [{"loc": ["body"], "msg": detail}], code))
    return response


def _django_error(request, response) -> tuple[str, str]:
    status = response.status_code
    if status == 404:
        return "not_found", _(
            "No API operation answers at %(path)s; the operations are listed at /api/v1/docs."
        ) % {"path": request.path}
    if status == 405:
        return "method_not_allowed", _(
            "%(path)s does not take %(method)s; it takes %(allowed)s."
        ) % {
            "path": request.path,
            "method": request.method,
            "allowed": response.get("Allow", ""),
        }
    if status >= 500:
        return "server_error", _(
            "The server failed to answer this request. The error was logged for the "
            "administrator; try again later."
        )
    return response.reason_phrase.lower().replace(" ", "_"), _(
        "The request was refused: %(status)d %(reason)s."
    ) % {"status": status, "reason": response.reason_phrase}


class ApiErrorMiddleware:
    """Under /api/, an error Django answered as a page is rewritten into the documented body
    (Django still logs a server error with its traceback before this sees the answer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path_info.startswith(API_PATH)
            and not response.get("Content-Type", "").startswith("application/json")
            and not response.streaming
        ):
            code, detail = _django_error(request, response)
            _json(response, _body(detail, code=code))
        return response
