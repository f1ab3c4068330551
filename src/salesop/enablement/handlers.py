"""What enablement does when other apps' events happen (core.events), and whose turn a
lapsed certification makes it."""

from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from salesop.accounts.events import CREATED
from salesop.accounts.models import User
from salesop.core.events import subscribe
from salesop.enablement.events import CERTIFICATION_LAPSED
from salesop.enablement.models import Certification
from salesop.enablement.services import new_hire_enroll
from salesop.monitor.handoffs import handoff_kind, tell
from salesop.playbook.selectors import active_playbook

RECERTIFY = handoff_kind("certification.needed", gettext_lazy("I need to certify again"))


@subscribe(CREATED)
def enrol_new_hire(user: User) -> None:
    """A new person starts the playbook's courses for their roles, with a mentor."""
    new_hire_enroll(user)


@subscribe(CERTIFICATION_LAPSED)
def tell_to_recertify(certification: Certification, user: User) -> None:
    tell(
        [user],
        RECERTIFY,
        lambda: (
            _("The playbook changed the stage %(stage)s: certify for it again")
            % {"stage": active_playbook().stage_label(certification.stage, get_language())}
        ),
        reverse("enablement:home"),
        by=None,
        team=user.team,
    )
