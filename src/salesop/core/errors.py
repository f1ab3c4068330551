"""The one refusal a service raises, mapped to a form error on pages and a 422 in the API."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _


@dataclass
class DomainError(Exception):
    """A business rule refused the action. `fields` maps a field name to what is wrong with it."""

    code: str
    message: str
    fields: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return str(self.message)


class Conflict(DomainError):
    """The request conflicts with the state it meets (answered 409)."""


class Busy(DomainError):
    """Refused for now, for want of capacity: try again shortly (answered 503 with
    Retry-After)."""


class StaleWrite(Conflict):
    """Someone else changed the record since it was read (answered 409)."""


def full_clean_or_refuse(instance, *, exclude: list[str] | None = None) -> None:
    """Runs the model's own validation and turns its complaints into one DomainError."""
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = {
            name: " ".join(str(m) for m in messages) for name, messages in exc.message_dict.items()
        }
        raise DomainError("invalid", _("Please correct the fields marked."), fields) from None


# pydantic's error types in the reader's language (its own messages are English only); a type
# not here keeps pydantic's message.
_SCHEMA_MESSAGES = {
    "missing": lambda ctx: _("This field is required."),
    "extra_forbidden": lambda ctx: _("This field is not accepted here."),
    "string_type": lambda ctx: _("Enter text."),
    "string_too_long": lambda ctx: _("Enter at most %(max_length)s characters.") % ctx,
    "string_too_short": lambda ctx: (
        _("This field cannot be empty.")
        if ctx.get("min_length") == 1
        else _("Enter at least %(min_length)s characters.") % ctx
    ),
    "string_pattern_mismatch": lambda ctx: _("Enter text matching %(pattern)s.") % ctx,
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "decimal_type": lambda ctx: _("Enter a number."),
    "decimal_parsing": lambda ctx: _("Enter a number."),
    "float_type": lambda ctx: _("Enter a number."),
    "float_parsing": lambda ctx: _("Enter a number."),
    "finite_number": lambda ctx: _("Enter a number."),
    "decimal_max_digits": lambda ctx: _("Enter at most %(max_digits)s digits.") % ctx,
    "decimal_max_places": lambda ctx: _("Enter at most %(decimal_places)s decimals.") % ctx,
    "decimal_whole_digits": lambda ctx: (
        _("Enter at most %(whole_digits)s digits before the point.") % ctx
    ),
    "greater_than": lambda ctx: _("Enter more than %(gt)s.") % ctx,
    "greater_than_equal": lambda ctx: _("Enter %(ge)s or more.") % ctx,
    "less_than": lambda ctx: _("Enter less than %(lt)s.") % ctx,
    "less_than_equal": lambda ctx: _("Enter %(le)s or less.") % ctx,
    "bool_type": lambda ctx: _("Enter true or false."),
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "date_type": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "date_parsing": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "datetime_type": lambda ctx: _("Enter a date and time as YYYY-MM-DDTHH:MM:SS+08:00."),
    "datetime_parsing": lambda ctx: _("Enter a date and time as YYYY-MM-DDTHH:MM:SS+08:00."),
    "datetime_from_date_parsing": lambda ctx: _(
        "Enter a date and time as YYYY-MM-DDTHH:MM:SS+08:00."
    ),
    "literal_error": lambda ctx: _choose(ctx),
    "enum": lambda ctx: _choose(ctx),
    "list_type": lambda ctx: _("Enter a list."),
    "too_long": lambda ctx: _("Enter at most %(max_length)s items.") % ctx,
    "too_short": lambda ctx: _("Enter at least %(min_length)s items.") % ctx,
    "dict_type": lambda ctx: _("Enter an object."),
    "model_type": lambda ctx: _("Enter an object."),
    "model_attributes_type": lambda ctx: _("Enter an object."),
    "url_parsing": lambda ctx: _("Enter a valid URL."),
    "url_scheme": lambda ctx: _("Enter a valid URL."),
    "value_error": lambda ctx: str(ctx.get("error", "")),
}


def _choose(ctx: dict[str, Any]) -> str:
    # pydantic lists the choices as "'a', 'b' or 'c'": the "or" is English
    return _("Choose one of: %(choices)s.") % {"choices": ctx["expected"].replace(" or ", ", ")}


def schema_message(error: dict[str, Any]) -> str:
    """One pydantic error (an API body's, a playbook's) in the reader's language."""
    words = _SCHEMA_MESSAGES.get(error.get("type", ""))
    try:
        return (words and words(error.get("ctx") or {})) or error.get("msg", "")
    except (KeyError, TypeError, ValueError):
        return error.get("msg", "")
