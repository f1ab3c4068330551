"""The one refusal a service raises, mapped to a form error on pages and a 422 in the API."""

from dataclasses import dataclass, field


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
    from django.utils.translation import gettext as _

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        fields = {
            name: " ".join(str(m) for m in messages) for name, messages in exc.message_dict.items()
        }
        raise DomainError("invalid", _("Please correct the fields marked."), fields) from None
