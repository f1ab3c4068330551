"""Contracts: made from the current approved quote and a template version, clause deviations
routed to legal, the review round trip, the signing gate and hand-over, the overdue-signing
follow-up, incentives, the archive's checksums, and bad input refused with nothing changed."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.utils import timezone
from docx import Document

from salesop.contracts.documents import sha256
from salesop.contracts.files import contract_docx, verify_file
from salesop.contracts.legal_review import contract_submit, review_decide, review_reasons
from salesop.contracts.models import (
    Contract,
    ContractDocument,
    ContractStatus,
    ContractTemplate,
    DocumentKind,
    Handover,
)
from salesop.contracts.selectors import (
    allowed_incentives,
    contract_for,
    contracts_visible_to,
    current_contract,
    incentives_offerable,
    review_queue,
)
from salesop.contracts.services import clauses_edit, contract_create
from salesop.contracts.signing import (
    contract_cancel,
    contract_schedule,
    contract_send,
    contract_sign,
    document_tick,
    incentive_offer,
)
from salesop.contracts.starter import CLAUSES_ZH, as_dicts
from salesop.contracts.template_versions import template_save
from salesop.core.audit import audit_entries_for
from salesop.core.errors import DomainError
from salesop.core.testing import (
    SIGNED_PDF,
    approved_quote,
    cleared_contract,
    docx_with,
    make_deal,
    make_policy,
    make_product,
    make_template,
    sign_contract,
    signed_in,
    tick_stage,
)
from salesop.core.time import company_today
from salesop.deals.rules import GateContext
from salesop.deals.services import GateRefused, deal_move
from salesop.monitor.models import Alert
from salesop.monitor.services import sweep
from salesop.playbook.registry import CRITERIA
from salesop.pricing.models import ApprovalStatus, QuoteStatus
from salesop.pricing.selectors import current_quote
from salesop.pricing.services import approval_decide, quote_create, quote_submit

pytestmark = pytest.mark.django_db

IP_EDIT = "为甲方定制开发部分的知识产权归甲方所有,其余归乙方所有。"


@pytest.fixture
def template(org):
    return make_template(org.ops)


@pytest.fixture
def deal(org):
    deal = make_deal(org.rep, expected_close_date=timezone.localdate() + timedelta(days=30))
    approved_quote(deal, org.rep)
    return deal


def new_contract(org, deal, template, **kw):
    return contract_create(
        deal=deal, quote=current_quote(deal), template=template, by=org.rep, **kw
    )


def in_contracting(org, deal):
    for target in ("solution", "negotiation", "contracting"):
        tick_stage(deal, org.rep)
        deal_move(deal=deal, to_stage=target, by=org.rep)
    tick_stage(deal, org.rep, meet_criteria=False)


def ready_to_sign(org, contract):
    if contract.status == ContractStatus.DRAFT:
        contract_submit(contract=contract, by=org.rep)
    contract_schedule(
        contract=contract,
        by=org.rep,
        target_signing_date=timezone.localdate() + timedelta(days=5),
    )
    for key in ("contract", "authorisation_letter", "license_copy"):
        document_tick(contract=contract, by=org.rep, key=key)
    return contract_send(contract=contract, by=org.rep)


def criterion(name, deal):
    from salesop.deals.selectors import playbook_of

    stage = playbook_of(deal).stage("contracting")
    return CRITERIA[name].check(GateContext(deal=deal, stage=stage))


# --- making a contract ----------------------------------------------------------------------


def test_the_contract_number_takes_the_companys_year_whatever_the_readers_zone(org, deal, template):
    # 00:30 on New Year's Day in Shanghai is still 31 December in New York, where this rep's
    # request runs (the middleware activates the user's zone)
    with (
        time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))),
        timezone.override("America/New_York"),
    ):
        contract = new_contract(org, deal, template)
    assert contract.number.startswith("HT2027-")


def test_contract_is_filled_from_the_quote_and_keeps_its_template_version(org, deal, template):
    contract = new_contract(org, deal, template)
    quote = current_quote(deal)
    assert contract.number.startswith(f"HT{timezone.localdate():%Y}-")
    assert (contract.customer, contract.amount, contract.payment_term_days) == (
        deal.account.name,
        quote.total,
        quote.payment_term_days,
    )
    assert [c.key for c in contract.clauses.all()] == [c[0] for c in CLAUSES_ZH]
    assert not any(c.deviates for c in contract.clauses.all())

    revised = as_dicts(CLAUSES_ZH)
    revised[5]["text"] = revised[5]["text"].replace("三年", "五年")
    v2 = template_save(by=org.legal, code="standard", name="标准销售合同", clauses=revised)
    assert (v2.number, ContractTemplate.objects.get(pk=template.pk).current) == (2, False)
    contract.refresh_from_db()
    assert contract.template_id == template.pk
    assert "三年" in contract.clauses.get(key="confidentiality").standard_text


def test_contract_from_an_unapproved_quote_is_refused(org, template):
    deal = make_deal(org.rep)
    quote = quote_create(
        deal=deal, by=org.rep, lines=[{"description": "WMS", "list_price": "100000"}]
    )
    with pytest.raises(DomainError) as refused:
        contract_create(deal=deal, quote=quote, template=template, by=org.rep)
    assert refused.value.code == "quote_not_approved" and "quote" in refused.value.fields
    assert not Contract.objects.exists()


def test_contract_from_an_outdated_quote_is_refused(org, deal, template):
    old = current_quote(deal)  # approved, but the customer asked for another offer since
    approved_quote(deal, org.rep)
    assert current_quote(deal) != old
    with pytest.raises(DomainError) as refused:
        contract_create(deal=deal, quote=old, template=template, by=org.rep)
    assert refused.value.code == "quote_outdated"
    assert current_quote(deal).label in refused.value.message
    assert not Contract.objects.exists()


def test_contract_from_a_replaced_template_version_is_refused(org, deal, template):
    template_save(by=org.ops, code="standard", name="v2", clauses=as_dicts(CLAUSES_ZH))
    template.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        new_contract(org, deal, template)
    assert refused.value.code == "template_outdated"


def test_a_second_open_contract_on_a_deal_is_refused(org, deal, template):
    first = new_contract(org, deal, template)
    with pytest.raises(DomainError) as refused:
        new_contract(org, deal, template)
    assert first.number in refused.value.message
    contract_cancel(contract=first, by=org.rep, reason="客户更换签约主体")
    assert new_contract(org, deal, template).pk != first.pk


def test_other_teams_cannot_make_or_see_the_contract(org, deal, template):
    with pytest.raises(DomainError):
        contract_create(deal=deal, quote=current_quote(deal), template=template, by=org.outsider)
    contract = new_contract(org, deal, template)
    from django.http import Http404

    with pytest.raises(Http404):
        contract_for(org.outsider, contract.pk)
    assert contract_for(org.legal, contract.pk) == contract
    assert contract_for(org.manager, contract.pk) == contract
    assert list(contracts_visible_to(org.outsider)) == []


# --- templates ------------------------------------------------------------------------------


def test_template_whose_placeholders_the_quote_cannot_fill_is_refused(org):
    content = docx_with(
        "{{ customer }} {{ amount }} {{ payment_term_days }} {{ buyer_bank_account }}",
        "{%p for clause in clauses %}",
        "{{ clause.text }}",
        "{%p endfor %}",
    )
    with pytest.raises(DomainError) as refused:
        template_save(by=org.ops, code="x", name="X", clauses=as_dicts(CLAUSES_ZH), docx=content)
    assert "buyer_bank_account" in refused.value.fields["docx"]
    missing = docx_with("{{ customer }}")
    with pytest.raises(DomainError) as refused:
        template_save(by=org.ops, code="x", name="X", clauses=as_dicts(CLAUSES_ZH), docx=missing)
    assert "clauses" in refused.value.message and "amount" in refused.value.message
    with pytest.raises(DomainError) as refused:
        template_save(
            by=org.ops, code="x", name="X", clauses=as_dicts(CLAUSES_ZH), docx=b"not a docx"
        )
    assert refused.value.code == "invalid_template"
    assert not ContractTemplate.objects.exists()


def test_template_clauses_are_checked_where_they_are_wrong(org):
    clauses = as_dicts(CLAUSES_ZH)
    clauses[1]["key"] = "payment"
    clauses[2]["text"] = " "
    clauses[3]["risk"] = "extreme"
    with pytest.raises(DomainError) as refused:
        template_save(by=org.ops, code="std", name="S", clauses=clauses)
    assert set(refused.value.fields) == {"clauses.1.key", "clauses.2.text", "clauses.3.risk"}
    with pytest.raises(DomainError):
        template_save(by=org.rep, code="std", name="S", clauses=as_dicts(CLAUSES_ZH))
    assert not ContractTemplate.objects.exists()


def test_an_uploaded_template_renders_the_contract(org, deal):
    content = docx_with(
        "买方 {{ customer }} 金额 {{ amount }} 付款 {{ payment_term_days }} 天",
        "{%p for clause in clauses %}",
        "{{ clause.title }}: {{ clause.text }}",
        "{%p endfor %}",
    )
    template = template_save(
        by=org.legal, code="own", name="法务模板", clauses=as_dicts(CLAUSES_ZH), docx=content
    )
    contract = new_contract(org, deal, template)
    text = "\n".join(p.text for p in Document(io.BytesIO(contract_docx(contract))).paragraphs)
    assert f"买方 {deal.account.name}" in text and "¥100,000.00" in text
    assert "知识产权: 软件及相关文档" in text


# --- deviations and legal review ------------------------------------------------------------


def test_whitespace_only_edits_skip_review_and_clear_the_contract(org, deal, template):
    contract = new_contract(org, deal, template)
    payment = contract.clauses.get(key="payment")
    clauses_edit(contract=contract, by=org.rep, texts={"payment": " " + payment.text + "\n"})
    assert not contract.clauses.get(key="payment").deviates
    contract_submit(contract=contract, by=org.rep)
    contract.refresh_from_db()
    assert (contract.status, contract.review_skipped) == (ContractStatus.APPROVED, True)
    assert contract.documents.filter(kind=DocumentKind.GENERATED).count() == 1
    assert not contract.reviews.exists()


def test_a_changed_liability_cap_goes_to_legal(org, deal, template):
    contract = new_contract(org, deal, template)
    liability = contract.clauses.get(key="liability")
    clauses_edit(
        contract=contract,
        by=org.rep,
        texts={"liability": liability.text.replace("20%", "50%")},
    )
    liability.refresh_from_db()
    assert (liability.deviates, liability.needs_review) == (True, True)
    contract_submit(contract=contract, by=org.rep)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.reviews.get().reasons == [
        {"key": "liability", "title": "违约责任", "reason": "special"}
    ]
    assert list(review_queue(org.legal)) == [contract]
    assert list(review_queue(org.rep)) == []
    assert criterion("contract.legal_cleared", deal) is not None


def test_review_round_trip_return_fix_approve(org, deal, template):
    contract = new_contract(org, deal, template)
    clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    contract_submit(contract=contract, by=org.rep)

    # Rejecting without a reason, or leaving a flagged clause undecided, changes nothing.
    with pytest.raises(DomainError) as refused:
        review_decide(
            contract=contract,
            by=org.legal,
            approve=False,
            decisions=[{"clause": "ip", "verdict": "reject"}],
        )
    assert set(refused.value.fields) == {"decisions.0.comment"}
    with pytest.raises(DomainError) as refused:
        review_decide(contract=contract, by=org.legal, approve=True, decisions=[])
    assert "知识产权" in refused.value.fields["decisions"]
    with pytest.raises(DomainError):  # the rep cannot review their own contract
        review_decide(
            contract=contract,
            by=org.rep,
            approve=True,
            decisions=[{"clause": "ip", "verdict": "accept"}],
        )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW

    review_decide(
        contract=contract,
        by=org.legal,
        approve=False,
        decisions=[
            {
                "clause": "ip",
                "verdict": "propose",
                "comment": "定制部分可归甲方,但须保留乙方通用组件的权利",
                "proposed_text": IP_EDIT + "乙方保留通用组件及工具的知识产权。",
            }
        ],
        comment="请按建议措辞修改知识产权条款",
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.RETURNED
    first = contract.reviews.get(round=1)
    assert (first.outcome, first.reviewer) == ("returned", org.legal)
    proposed = first.decisions.get().proposed_text

    clauses_edit(contract=contract, by=org.rep, texts={"ip": proposed})
    contract_submit(contract=contract, by=org.rep)
    review_decide(
        contract=contract,
        by=org.legal,
        approve=True,
        decisions=[{"clause": "ip", "verdict": "accept"}],
    )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED and contract.cleared_at is not None
    assert [r.outcome for r in contract.reviews.all()] == ["returned", "approved"]
    assert criterion("contract.legal_cleared", deal) is None
    # Everything legal decided is in the audit trail, attributed to them.
    assert (
        LogEntry.objects.filter(
            actor=org.legal, content_type__model__in=["legalreview", "clausedecision"]
        ).count()
        >= 4
    )


def test_approving_with_a_proposed_wording_adopts_it(org, deal, template):
    contract = new_contract(org, deal, template)
    clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    contract_submit(contract=contract, by=org.rep)
    wording = IP_EDIT + "乙方保留通用组件的知识产权。"
    review_decide(
        contract=contract,
        by=org.legal,
        approve=True,
        decisions=[{"clause": "ip", "verdict": "propose", "proposed_text": wording}],
    )
    assert contract.clauses.get(key="ip").text == wording
    with pytest.raises(DomainError) as refused:  # a rejected clause cannot be approved
        other = cleared_contract(make_deal(org.rep), org.rep)
        clauses_edit(contract=other, by=org.rep, texts={"ip": IP_EDIT})
        contract_submit(contract=other, by=org.rep)
        review_decide(
            contract=other,
            by=org.legal,
            approve=True,
            decisions=[{"clause": "ip", "verdict": "reject", "comment": "不接受"}],
        )
    assert refused.value.code == "rejected_clause"


def test_editing_an_approved_contract_withdraws_its_clearance(org, deal, template):
    contract = new_contract(org, deal, template)
    contract_submit(contract=contract, by=org.rep)
    clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    contract.refresh_from_db()
    assert (contract.status, contract.cleared_at) == (ContractStatus.DRAFT, None)


def test_clause_edits_are_checked_per_clause(org, deal, template):
    contract = new_contract(org, deal, template)
    with pytest.raises(DomainError) as refused:
        clauses_edit(contract=contract, by=org.rep, texts={"ip": "  ", "warranty": "x"})
    assert set(refused.value.fields) == {"clauses.ip", "clauses.warranty"}
    assert not contract.clauses.filter(deviates=True).exists()


# --- signing --------------------------------------------------------------------------------


def test_signing_without_legal_clearance_is_refused(org, deal, template):
    contract = new_contract(org, deal, template)
    clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    contract_submit(contract=contract, by=org.rep)
    with pytest.raises(DomainError) as refused:
        contract_sign(contract=contract, by=org.rep, name="s.pdf", content=SIGNED_PDF)
    assert refused.value.code == "not_cleared"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW and not contract.documents.exists()


def test_sending_needs_the_documents_and_a_signing_date(org, deal, template):
    contract = new_contract(org, deal, template)
    contract_submit(contract=contract, by=org.rep)
    with pytest.raises(DomainError) as refused:
        contract_send(contract=contract, by=org.rep)
    assert set(refused.value.fields) == {"documents", "target_signing_date"}
    assert "授权委托书" in refused.value.fields["documents"]
    with pytest.raises(DomainError) as refused:
        document_tick(contract=contract, by=org.rep, key="seal")
    assert "authorisation_letter" in refused.value.message
    with pytest.raises(DomainError):
        contract_schedule(
            contract=contract,
            by=org.rep,
            target_signing_date=timezone.localdate() - timedelta(days=1),
        )
    ready_to_sign(org, contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SENT and contract.sent_at is not None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"PK\x03\x04 a zip pretending to be a scan", "invalid_file"),
        (b"", "invalid"),
        (b"%PDF-" + b"0" * (21 * 1024 * 1024), "too_large"),
    ],
)
def test_a_signed_copy_must_be_a_pdf_or_image_within_the_limit(org, deal, template, content, code):
    contract = ready_to_sign(org, new_contract(org, deal, template))
    with pytest.raises(DomainError) as refused:
        contract_sign(contract=contract, by=org.rep, name="scan", content=content)
    assert refused.value.code == code and "file" in refused.value.fields
    contract.refresh_from_db()
    assert (
        contract.status == ContractStatus.SENT
        and not contract.documents.filter(kind=DocumentKind.SIGNED).exists()
    )


def test_signing_wins_the_deal_and_leaves_the_hand_over(org, deal):
    in_contracting(org, deal)
    contract = ready_to_sign(org, cleared_contract(deal, org.rep))
    assert criterion("contract.signed", deal) is not None
    contract_sign(contract=contract, by=org.rep, name="盖章合同.pdf", content=SIGNED_PDF)
    deal.refresh_from_db()
    contract.refresh_from_db()
    assert (deal.status, deal.stage) == ("won", "won")
    assert contract.status == ContractStatus.SIGNED and contract.signing_due_at is None
    handover = Handover.objects.get(deal=deal)
    assert handover.contract == contract and handover.account == deal.account
    assert handover.scope == [
        {"description": "WMS 许可", "product": "", "quantity": 1, "net_amount": "100000.00"}
    ]
    assert handover.people["owner"] == org.rep.pk
    assert {p["role"] for p in handover.people["stakeholders"]} >= {"decision_maker"}
    with pytest.raises(DomainError) as refused:  # a signed contract is final
        clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    assert refused.value.code == "not_editable"
    with pytest.raises(DomainError):
        contract_cancel(contract=contract, by=org.rep, reason="?")


def test_signing_is_refused_whole_when_the_deal_gate_does_not_pass(org, deal, template):
    contract = ready_to_sign(org, new_contract(org, deal, template))  # deal still in discovery
    with pytest.raises(GateRefused):
        contract_sign(contract=contract, by=org.rep, name="s.pdf", content=SIGNED_PDF)
    contract.refresh_from_db()
    deal.refresh_from_db()
    assert contract.status == ContractStatus.SENT and deal.is_open
    assert not contract.documents.filter(kind=DocumentKind.SIGNED).exists()
    assert not Handover.objects.exists()


def test_archive_proves_a_signed_copy_unchanged(org, deal):
    in_contracting(org, deal)
    contract = ready_to_sign(org, cleared_contract(deal, org.rep))
    contract_sign(contract=contract, by=org.rep, name="signed.pdf", content=SIGNED_PDF)
    signed = contract.documents.get(kind=DocumentKind.SIGNED)
    assert (signed.sha256, signed.size) == (sha256(SIGNED_PDF), len(SIGNED_PDF))
    assert bytes(signed.content) == SIGNED_PDF
    assert verify_file(contract, SIGNED_PDF) == signed
    assert verify_file(contract, SIGNED_PDF.replace(b"signed", b"forged")) is None
    generated = contract.documents.get(kind=DocumentKind.GENERATED)
    assert verify_file(contract, bytes(generated.content)) == generated
    assert ContractDocument.objects.count() == 2  # nothing replaced, only added


def test_generated_word_file_holds_the_terms_and_clauses(org, deal, template):
    contract = new_contract(org, deal, template)
    clauses_edit(contract=contract, by=org.rep, texts={"ip": IP_EDIT})
    document = Document(io.BytesIO(contract_docx(contract)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = " ".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert contract.number in text and deal.account.name in text
    assert IP_EDIT in text and "违约责任" in text
    assert "WMS 许可" in cells and "¥100,000.00" in cells


# --- the signing follow-up ------------------------------------------------------------------


def test_overdue_signing_raises_the_follow_up_once(org, deal, template, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    contract = ready_to_sign(org, new_contract(org, deal, template))
    sweep()
    assert not Alert.objects.filter(kind="contract.signing_overdue").exists()
    time_machine.shift(timedelta(days=7))
    sweep()
    sweep()
    alert = Alert.objects.get(kind="contract.signing_overdue")
    assert alert.owner == org.rep and alert.url == contract.get_absolute_url()
    inbox = alert.notifications.get(user=org.rep)
    assert contract.number in inbox.title and "激励" in inbox.title
    # A new agreed date clears it; passing that one raises a new follow-up.
    contract_schedule(
        contract=contract, by=org.rep, target_signing_date=timezone.localdate() + timedelta(1)
    )
    sweep()
    alert.refresh_from_db()
    assert alert.status != "open"
    time_machine.shift(timedelta(days=3))
    sweep()
    assert Alert.objects.filter(kind="contract.signing_overdue").count() == 2


def test_incentives_come_from_the_policy_and_approval_when_needed(org, template):
    product = make_product()
    make_policy(family="wms")  # training needs approval, on-site support does not
    deal = make_deal(org.rep)
    quote_submit(
        quote=quote_create(deal=deal, by=org.rep, lines=[{"product_id": product.pk}]),
        by=org.rep,
    )
    assert current_quote(deal).status == QuoteStatus.APPROVED
    contract = new_contract(org, deal, template)
    assert {c["key"] for c in allowed_incentives(contract)} == {"training", "onsite"}
    # what the page and the API offer is what the service accepts: nothing to legal, who reads
    assert {c["key"] for c in incentives_offerable(org.rep, contract)} == {"training", "onsite"}
    assert incentives_offerable(org.legal, contract) == []
    with pytest.raises(DomainError):
        incentive_offer(contract=contract, by=org.legal, key="onsite")
    onsite = incentive_offer(contract=contract, by=org.rep, key="onsite", note="本月签约")
    assert onsite.status == "offered" and onsite.approval is None
    assert onsite.valid_until == timezone.localdate() + timedelta(days=14)
    training = incentive_offer(contract=contract, by=org.rep, key="training")
    assert training.status == "pending"
    assert training.approval.role == "manager" and training.approval.detail == "training"
    assert training.approval.due_at is not None  # on the playbook's approval timer
    approval_decide(approval=training.approval, by=org.manager, approve=True)
    training.refresh_from_db()
    assert training.status == "offered"
    assert current_quote(deal).status == QuoteStatus.APPROVED  # the quote is untouched
    with pytest.raises(DomainError):
        incentive_offer(contract=contract, by=org.rep, key="free_hardware")
    with pytest.raises(DomainError):
        incentive_offer(contract=contract, by=org.rep, key="onsite")
    assert contract.incentives.count() == 2
    assert training.approval.status == ApprovalStatus.APPROVED


def test_a_withdrawn_contracts_incentive_waits_for_no_approver(org, template):
    make_policy(family="wms")
    deal = make_deal(org.rep)
    quote_submit(
        quote=quote_create(deal=deal, by=org.rep, lines=[{"product_id": make_product().pk}]),
        by=org.rep,
    )
    contract = new_contract(org, deal, template)
    training = incentive_offer(contract=contract, by=org.rep, key="training")
    contract_cancel(contract=contract, by=org.rep, reason="客户改用框架协议")
    training.approval.refresh_from_db()
    assert training.approval.status == ApprovalStatus.VOID and training.approval.due_at is None


# --- criteria -------------------------------------------------------------------------------


def test_contracting_gate_refuses_until_cleared_and_signed(org, deal):
    in_contracting(org, deal)
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="won", by=org.rep)
    assert {f.criterion for f in refused.value.failures} == {
        "contract.signing_date_set",  # the checklist's agreed date lives on the contract: none
        "contract.legal_cleared",
        "contract.signed",
    }
    contract = cleared_contract(deal, org.rep)
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="won", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == [
        "contract.signing_date_set",
        "contract.signed",
    ]
    contract_schedule(
        contract=contract, by=org.rep, target_signing_date=timezone.localdate() + timedelta(days=5)
    )
    with pytest.raises(GateRefused) as refused:
        deal_move(deal=deal, to_stage="won", by=org.rep)
    assert [f.criterion for f in refused.value.failures] == ["contract.signed"]


def test_the_won_deal_says_what_was_signed(org, client):
    deal = make_deal(
        org.rep, amount=Decimal("480000"), expected_close_date=timezone.localdate() + timedelta(90)
    )
    in_contracting(org, deal)
    quote_submit(
        quote=quote_create(
            deal=deal,
            by=org.rep,
            lines=[{"description": "WMS 许可", "list_price": "100000", "discount_pct": "5"}],
        ),
        by=org.rep,
    )
    sign_contract(deal, org.rep)
    deal.refresh_from_db()
    contract = current_contract(deal)
    assert (deal.status, deal.amount, deal.currency) == ("won", contract.amount, "CNY")
    assert deal.amount == Decimal("95000.00")
    assert deal.expected_close_date == company_today()
    changes = [row.changes for row in audit_entries_for(deal)]
    assert any(
        field == "金额" and "95,000" in new for change in changes for field, _old, new in change
    )
    client.force_login(org.rep)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f"合同 {contract.number}" in page


# --- the payment clause follows the quote ------------------------------------------------------


def deal_quoted_with_term(org, days: int):
    """A deal whose approved quote gives the customer `days` to pay (approved by each role
    the term needs)."""
    deal = make_deal(org.rep, expected_close_date=timezone.localdate() + timedelta(days=30))
    quote = quote_create(
        deal=deal,
        by=org.rep,
        payment_term_days=days,
        lines=[{"description": "WMS 许可", "list_price": "100000"}],
    )
    quote_submit(quote=quote, by=org.rep)
    deciders = {"manager": org.manager, "finance": org.finance, "director": org.director}
    for approval in quote.approvals.all():
        approval_decide(approval=approval, by=deciders[approval.role], approve=True)
    return deal


def test_the_payment_clause_is_written_from_the_quotes_term(org, template):
    deal = deal_quoted_with_term(org, 75)
    contract = contract_create(deal=deal, quote=current_quote(deal), template=template, by=org.rep)
    payment = contract.clauses.get(key="payment")
    assert payment.text == "甲方应在收到发票后 75 日内支付合同价款。"
    assert not payment.deviates and not payment.needs_review
    assert contract_submit(contract=contract, by=org.rep).status == ContractStatus.APPROVED


def test_a_payment_clause_contradicting_the_quote_goes_to_legal(org):
    # A template written before the clause took the quote's term: it says 30 days.
    clauses = as_dicts(CLAUSES_ZH)
    clauses[0]["text"] = "甲方应在收到发票后 30 日内支付合同价款。"
    old = template_save(by=org.ops, code="legacy", name="旧版合同", clauses=clauses)
    deal = deal_quoted_with_term(org, 45)
    quote = current_quote(deal)
    contract = contract_create(deal=deal, quote=quote, template=old, by=org.rep)
    payment = contract.clauses.get(key="payment")
    assert not payment.deviates and payment.needs_review  # same as its standard, still wrong
    contract_submit(contract=contract, by=org.rep)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.reviews.get().reasons == [
        {"key": "payment", "title": "付款", "reason": "contradicts"}
    ]
    page = signed_in(org.legal).get(f"/contracts/{contract.pk}/").content.decode()
    assert 'data-testid="contradiction-payment"' in page and "30" in page


def test_an_edit_that_contradicts_the_term_is_flagged_and_one_that_agrees_is_not(org, deal):
    template = make_template(org.ops)
    contract = new_contract(org, deal, template)
    days = contract.payment_term_days
    clauses_edit(
        contract=contract,
        by=org.rep,
        texts={"payment": f"甲方应在验收合格后 {days + 15} 日内付清全部款项。"},
    )
    assert contract.clauses.get(key="payment").needs_review
    clauses_edit(
        contract=contract,
        by=org.rep,
        texts={"payment": f"甲方应在收到发票后 {days} 个自然日内付款。"},
    )
    reasons = review_reasons(contract)  # reworded with the same term: a deviation, no more
    assert [r["reason"] for r in reasons if r["key"] == "payment"] in ([], ["deviation"])
