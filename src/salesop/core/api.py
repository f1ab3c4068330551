"""What every API router shares: strict input schemas, the error body and its handlers."""

import json
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import ConfigDict

from salesop.core.errors import DomainError, StaleWrite


class StrictIn(Schema):
    """Input bodies refuse fields they do not know. Use StrictInt/StrictBool for numbers and
    flags, so `false` or "5" is not silently read as 0 or 5."""

    model_config = ConfigDict(extra="forbid")


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: str
    code: str = ""
    errors: list[ErrorItem] = []


READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# State changes also answer 409 when someone else changed the record first.
STATE_ERRORS = {**WRITE_ERRORS, 409: ErrorOut}


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
            request, _body(_("The input is not valid."), errors, "invalid"), status=422
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
            errors = [{"loc": ["body", name], "msg": msg} for name, msg in exc.fields.items()]
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
