"""The exit criterion that ties deals to training: the deal's owner is certified for the stage
the deal enters next. A manager's override of the gate is the recorded co-sign."""

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from salesop.deals.rules import GateContext
from salesop.deals.selectors import playbook_of
from salesop.enablement.services import valid_certification
from salesop.playbook.registry import criterion


@criterion(
    "enablement.owner_certified",
    gettext_lazy("The deal's owner is certified for the next stage (or a manager co-signs)"),
)
def owner_certified(context: GateContext) -> str | None:
    playbook = playbook_of(context.deal)
    keys = [s.key for s in playbook.stages]
    position = keys.index(context.stage.key)
    if position + 1 >= len(keys):
        return None
    following = keys[position + 1]
    if playbook.enablement.certification(following) is None:
        return None
    if valid_certification(context.deal.owner, following) is not None:
        return None
    return _(
        "%(name)s is not certified for %(stage)s yet: pass its course and a role-play, or "
        "have a manager co-sign the move"
    ) % {
        "name": context.deal.owner,
        "stage": playbook.stage_label(following, get_language() or "zh-hans"),
    }
