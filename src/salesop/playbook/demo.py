"""Demo data of the playbook app: a proposed playbook version under discussion."""

import yaml

from salesop.accounts.models import User
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.services import default_playbook_text, playbook_version_create


def load_draft_playbook(ops: User) -> None:
    """A proposed change sales ops are discussing: not active, ready to compare and activate."""
    if PlaybookVersion.objects.filter(number__gt=1).exists():
        return
    data = yaml.safe_load(default_playbook_text())
    data["stages"][0]["exit_criteria"].append("activity.logged_in_stage")
    data["stages"][0]["max_dwell_days"] = 10
    data["stages"][1]["exit_criteria"].append("enablement.owner_certified")
    playbook_version_create(
        text=yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120),
        by=ops,
        comment="提议:需求挖掘阶段须记录客户接触,最长停留 10 天;进入谈判须通过谈判认证",
    )
