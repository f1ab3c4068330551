"""Demo data of the contracts app: the starter templates (the Chinese one revised by
legal) and contracts in the states the deals need."""

from datetime import timedelta

from salesop.accounts.models import User
from salesop.contracts.legal_review import contract_submit
from salesop.contracts.models import ContractTemplate
from salesop.contracts.services import STALE, clauses_edit, contract_create
from salesop.contracts.signing import (
    contract_archive,
    contract_send,
    contract_sign,
    document_tick,
    incentive_offer,
)
from salesop.contracts.starter import CLAUSES_EN, CLAUSES_ZH, as_dicts
from salesop.contracts.template_versions import template_save
from salesop.core.time import company_today
from salesop.core.versioned import versioned_update
from salesop.deals.discovery.rules import recap_language
from salesop.deals.models import Deal
from salesop.deals.rules import close_due_at
from salesop.deals.selectors import playbook_of
from salesop.pricing.models import Product
from salesop.pricing.selectors import current_quote
from salesop.pricing.services import quote_create, quote_submit


def load_contract_templates(users: dict[str, User]) -> None:
    """The starter templates; legal has since lengthened the confidentiality period, so the
    Chinese template is at version 2."""
    if ContractTemplate.objects.exists():
        return
    template_save(
        by=users["ops"], code="standard", name="标准销售合同", clauses=as_dicts(CLAUSES_ZH)
    )
    revised = [
        (key, title, text.replace("期限三年", "期限五年"), risk)
        for key, title, text, risk in CLAUSES_ZH
    ]
    template_save(
        by=users["legal"],
        code="standard",
        name="标准销售合同",
        clauses=as_dicts(revised),
        note="保密期限由三年延长至五年",
    )
    template_save(
        by=users["ops"],
        code="standard-en",
        name="Standard sales agreement",
        clauses=as_dicts(CLAUSES_EN),
    )


# A one-page PDF standing in for the customer's signed scan.
SIGNED_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 52>>stream\nBT /F1 18 Tf 72 760 Td (Signed copy - demo) Tj ET\nendstream"
    b"\nendobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_contract(deal: Deal, owner: User, how: str) -> None:
    """A contract in the state `how` says: signed (the deal is won by it) or archived; in
    legal review with the customer's changes; or sent, with its signing date passed and
    incentives offered."""
    english = not recap_language(deal.account.name).startswith("zh")
    template = ContractTemplate.objects.get(
        code="standard-en" if english else "standard", current=True
    )
    if how == "overdue":  # quoted from the catalogue, so the policy's concessions apply
        codes = dict(Product.objects.values_list("code", "pk"))
        lines = [
            {"description": "门店管理系统 licence", "list_price": "260000"},
            {"product_id": codes["IMPL-SVC"]},
        ]
    elif current_quote(deal) is None:  # the gate was overridden before anyone quoted
        lines = [{"description": deal.name, "list_price": str(deal.amount)}]
    else:
        lines = []
    if lines:
        quote_submit(
            quote=quote_create(deal=deal, by=owner, currency=deal.currency, lines=lines),
            by=owner,
        )
    contract = contract_create(
        deal=deal,
        quote=current_quote(deal),
        template=template,
        by=owner,
        target_signing_date=company_today() + timedelta(days=10),
    )
    if how == "review":
        clauses_edit(
            contract=contract,
            by=owner,
            texts={
                "ip": "为甲方定制开发部分的知识产权归甲方所有,其余软件及文档的知识产权归乙方所有。",
                "liability": "任何一方违约,应赔偿对方因此遭受的全部损失。",
            },
        )
        contract_submit(contract=contract, by=owner)
        return
    contract_submit(contract=contract, by=owner)
    for document in playbook_of(deal).contracts.documents:
        document_tick(contract=contract, by=owner, key=document.key)
    contract_send(contract=contract, by=owner)
    if how == "overdue":
        past = company_today() - timedelta(days=3)
        # demo backdating (deals.demo._backdate): a date the service refuses as past
        versioned_update(
            contract,
            by=owner,
            stale=STALE,
            target_signing_date=past,
            signing_due_at=close_due_at(past),
        )
        for key in ("training", "extended_support"):
            incentive_offer(
                contract=contract, by=owner, key=key, note="本月内签约即可享受,名额有限。"
            )
        return
    contract_sign(
        contract=contract, by=owner, name=f"{contract.number}-signed.pdf", content=SIGNED_SCAN
    )
    if how == "archived":
        contract_archive(contract=contract, by=owner)
