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


def load_custom_fields(users: dict[str, User]) -> None:
    """Fields sales ops added: 注册资本, 所属集团 and 资质 on companies, 采购方式 on deals, with
    values on some of the demo's records."""
    from salesop.customers.models import Account
    from salesop.deals.models import Deal
    from salesop.playbook import customfields
    from salesop.playbook.customfields import Spec
    from salesop.playbook.models import FieldDefinition, FieldKind, FieldModel

    if FieldDefinition.objects.exists():
        return
    ops = users["ops"]
    fields = [
        (
            FieldModel.ACCOUNT,
            "capital",
            Spec("注册资本", "Registered capital", FieldKind.MONEY, []),
        ),
        (FieldModel.ACCOUNT, "group", Spec("所属集团", "Parent group", FieldKind.TEXT, [])),
        (
            FieldModel.ACCOUNT,
            "qualifications",
            Spec(
                "资质",
                "Qualifications",
                FieldKind.MULTI_CHOICE,
                [
                    {"key": "iso9001", "zh": "ISO 9001", "en": "ISO 9001"},
                    {"key": "high_tech", "zh": "高新技术企业", "en": "High-tech enterprise"},
                    {"key": "state_owned", "zh": "国有企业", "en": "State-owned"},
                ],
            ),
        ),
        (
            FieldModel.DEAL,
            "procurement",
            Spec(
                "采购方式",
                "Procurement",
                FieldKind.CHOICE,
                [
                    {"key": "tender", "zh": "公开招标", "en": "Public tender"},
                    {"key": "inquiry", "zh": "询价", "en": "Request for quotation"},
                    {"key": "single_source", "zh": "单一来源", "en": "Single source"},
                ],
            ),
        ),
    ]
    for model, key, spec in fields:
        customfields.define(by=ops, model=model, key=key, spec=spec)
    company_values = [
        {
            "capital": "50000000",
            "group": "恒通控股集团",
            "qualifications": ["iso9001", "state_owned"],
        },
        {"capital": "12000000.00", "qualifications": ["high_tech"]},
        {"capital": "3000000", "group": "Northwind Holdings"},
    ]
    for account, values in zip(Account.objects.order_by("pk"), company_values, strict=False):
        customfields.write(account, values, by=account.owner)
    procurement = ["tender", "inquiry", "single_source"]
    deals = Deal.objects.filter(status="open").order_by("pk")[:6]
    for i, deal in enumerate(deals):
        customfields.write(deal, {"procurement": procurement[i % 3]}, by=deal.owner)
