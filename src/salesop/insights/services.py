"""Writes that come out of a report: a calibration's proposed grading thresholds become the
running playbook."""

from django.db import transaction
from django.utils.translation import gettext as _

from salesop.accounts.models import User
from salesop.core.errors import DomainError
from salesop.insights import selectors
from salesop.insights.rules import Period
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.services import playbook_activate, playbook_draft


@transaction.atomic
def grading_apply(*, by: User, period: Period) -> PlaybookVersion:
    """Recomputes the calibration for the year up to the period's end over every team and
    makes its proposed A and B thresholds a new, active playbook version whose comment holds
    the evidence."""
    if not by.can_administer:
        raise DomainError("forbidden", _("Only sales operations may change the playbook."))
    grading = selectors.grading(by, period)
    proposal = grading.proposal
    if proposal is None:
        raise DomainError(
            "no_proposal", _("The calibration proposes no change to the grading thresholds.")
        )
    now, then = grading.rates, proposal.rates
    comment = _(
        "Grading calibration %(start)s to %(end)s: A from %(a0)d to %(a1)d, B from %(b0)d to "
        "%(b1)d; A wins %(ra0)s%% -> %(ra1)s%%, B %(rb0)s%% -> %(rb1)s%%."
    ) % {
        "start": grading.window.start,
        "end": grading.window.end,
        "a0": grading.current[0],
        "a1": proposal.a,
        "b0": grading.current[1],
        "b1": proposal.b,
        "ra0": now["A"].rate,
        "ra1": then["A"].rate,
        "rb0": now["B"].rate,
        "rb1": then["B"].rate,
    }
    version = playbook_draft(
        changes={("bant", "grades", "a"): proposal.a, ("bant", "grades", "b"): proposal.b},
        by=by,
        comment=comment,
    )
    return playbook_activate(version=version, by=by)
