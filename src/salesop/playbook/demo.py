"""Demo data of the playbook app: a proposed playbook version under discussion."""

from salesop.accounts.models import User
from salesop.playbook.loader import yaml_data, yaml_text
from salesop.playbook.models import PlaybookVersion
from salesop.playbook.services import default_playbook_text, playbook_version_create


def load_draft_playbook(ops: User) -> None:
    """A proposed change sales ops are discussing: not active, ready to compare and activate."""
    if PlaybookVersion.objects.filter(number__gt=1).exists():
        return
    data = yaml_data(default_playbook_text())
    data["stages"][0]["exit_criteria"].append("activity.logged_in_stage")
    data["stages"][0]["max_dwell_days"] = 10
    data["stages"][1]["exit_criteria"].append("enablement.owner_certified")
    playbook_version_create(
        text=yaml_text(data),
        by=ops,
        comment="提议:需求挖掘阶段须记录客户接触,最长停留 10 天;进入谈判须通过谈判认证",
    )
