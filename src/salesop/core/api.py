"""What every API router shares: strict input schemas, the error body and its handlers."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import ninja.parser
from annotated_types import Interval
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema, field_validator

from salesop.core.errors import DomainError, StaleWrite


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
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
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
        return _(
            "The request body is not valid JSON: %(reason)s at line %(line)d, column %(col)d."
        ) % {
            "reason": cause.msg,
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


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        errors = [{"loc": _loc(e.get("loc", [])), "msg": e.get("msg", "")} for e in exc.errors]
        return api.create_response(
            request, _body(_("The input is not valid."), errors, "schema"), status=422
        )

    @api.exception_handler(StaleWrite)
    def stale_write(request, exc):
        return api.create_response(request, _body(exc.message, code=exc.code), status=409)

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
            errors = [
                {"loc": ["query" if name in request.GET else "body", name], "msg": msg}
                for name, msg in exc.fields.items()
            ]
        return api.create_response(request, _body(exc.message, errors, exc.code), status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        detail = getattr(request, "api_token_error", "") or _(
            "Authentication required: log in, or send 'Authorization: Bearer <token>'."
        )
        return api.create_response(request, _body(detail, code="unauthenticated"), status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
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
