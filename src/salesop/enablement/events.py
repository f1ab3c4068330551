"""What happens in training, one function an event, published on the core event stream
(core.events). Each event's row is the record it is about: the practice result, the case,
the certification."""

from salesop.accounts.models import User
from salesop.core.events import publish
from salesop.enablement.models import Case, Certification, ModuleResult

PRACTICE_SUBMITTED = "enablement.practice_submitted"
PRACTICE_SIGNED_OFF = "enablement.practice_signed_off"
CASE_SUBMITTED = "enablement.case_submitted"
CASE_REVIEWED = "enablement.case_reviewed"
CERTIFIED = "enablement.certified"
CERTIFICATION_LAPSED = "enablement.certification_lapsed"


def practice_submitted(result: ModuleResult, *, by: User) -> None:
    """A new hire described a practice task done: their mentor's turn to sign it off."""
    publish(PRACTICE_SUBMITTED, result=result, by=by)


def practice_signed_off(result: ModuleResult, *, by: User) -> None:
    """The mentor passed the practice task or sent it back (result.status, result.note)."""
    publish(PRACTICE_SIGNED_OFF, result=result, by=by)


def case_submitted(case: Case, *, by: User) -> None:
    """The author handed a deal's case in: a manager of their team reviews it."""
    publish(CASE_SUBMITTED, case=case, by=by)


def case_reviewed(case: Case, *, by: User) -> None:
    """A manager published the case or returned it with a note (case.status)."""
    publish(CASE_REVIEWED, case=case, by=by)


def certified(certification: Certification) -> None:
    """A rep was certified for a stage (passed its course and role-play)."""
    publish(CERTIFIED, certification=certification, user=certification.user)


def certification_lapsed(certification: Certification) -> None:
    """A new playbook version changed the stage materially: the rep certifies again
    (certification.lapsed_reason says which version)."""
    publish(CERTIFICATION_LAPSED, certification=certification, user=certification.user)
