"""A deal's contract driven by random people through random steps, legal and not (hypothesis
state machine, fixed seed): making it from the approved quote, rewording clauses (a special
risk clause, back to the standard text, an unknown or empty clause), submitting, legal's
review (accepting, rejecting, proposing wording; approving or returning, with and without what
a decision needs), the signing date and documents, sending, signing with a good or bad file,
archiving and cancelling. The expected outcome of every call comes from a model written here
from the lifecycle, not from the code under test. After every step: each call was accepted
exactly when the model says so; the version counts the accepted changes and each status move
left exactly one audit row; a decided review never changes and was never decided by the
deal's owner or the person who submitted it; the contract's amount is its quote's total in
its currency; the deal is won once, by the one signed contract, with one hand-over."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from salesop.contracts.legal_review import contract_submit, review_decide
from salesop.contracts.models import Contract, ContractTemplate, Handover, LegalReview
from salesop.contracts.rules import with_payment_term
from salesop.contracts.services import clauses_edit, contract_create
from salesop.contracts.signing import (
    contract_archive,
    contract_cancel,
    contract_schedule,
    contract_send,
    contract_sign,
    document_tick,
)
from salesop.contracts.starter import CLAUSES_ZH
from salesop.core.errors import DomainError
from salesop.core.testing import SIGNED_PDF, make_deal, make_org, make_template
from salesop.deals.models import Deal, StageEvent
from salesop.pricing.selectors import current_quote
from tests.contracts.test_services import IP_EDIT, in_contracting

# The starter texts as a contract made from the test's quote has them (its 30-day term written in).
STANDARD = {key: with_payment_term(text, 30) for key, _title, text, _risk in CLAUSES_ZH}
DOCUMENTS = ["contract", "authorisation_letter", "license_copy"]
OPEN = ("draft", "in_review", "returned", "approved", "sent")
# The deal's owner, a teammate, their manager, another team's manager, legal, sales ops.
WHO = st.sampled_from([0, 0, 0, 1, 2, 2, 3, 4, 5])
EDITORS = (0, 2, 5)  # the owner, or a manager or sales ops who sees the deal
LEGAL = 4

# What a rewording asks for: {clause: text}; "" and unknown clauses are refused.
EDITS = st.sampled_from(
    [
        {"ip": IP_EDIT},
        {"ip": STANDARD["ip"]},
        {"payment": "甲方应在收到发票后 45 日内支付合同价款。"},
        {"payment": STANDARD["payment"], "ip": STANDARD["ip"]},
        {"liability": "任何一方违约，赔偿总额以合同总价的 10% 为上限。"},
        {"nope": "不存在的条款"},
        {"ip": "  "},
    ]
)


def review_decisions(style: str, clauses: list[str]) -> list[dict]:
    if style == "accept":
        return [{"clause": k, "verdict": "accept"} for k in clauses]
    if style == "reject":
        return [{"clause": k, "verdict": "reject", "comment": "不接受"} for k in clauses]
    if style == "reject_silently":
        return [{"clause": k, "verdict": "reject"} for k in clauses]
    if style == "propose":
        return [
            {"clause": k, "verdict": "propose", "proposed_text": STANDARD[k] + "（经双方协商）"}
            for k in clauses
        ]
    return []  # "none": no decision at all


class ContractLife(RuleBasedStateMachine):
    @initialize()
    def company(self):
        self.savepoint = transaction.savepoint()  # each run starts from an empty company
        self.org = org = make_org()
        self.people = [org.rep, org.teammate, org.manager, org.other_manager, org.legal, org.ops]
        make_template(org.ops)
        self.deal = make_deal(org.rep, expected_close_date=timezone.localdate() + timedelta(30))
        in_contracting(org, self.deal)
        self.quote = current_quote(self.deal)
        assert self.quote.payment_term_days == 30  # what STANDARD writes in
        self.contracts: dict[int, dict] = {}  # id -> what the model expects of it
        self.reviews: dict[int, tuple] = {}  # a decided review as first seen
        self.won = False
        self.make(who=0)  # runs start from a draft; making another comes after a cancel

    def teardown(self):
        if hasattr(self, "savepoint"):
            transaction.savepoint_rollback(self.savepoint)

    # --- helpers ---------------------------------------------------------------------------

    def _open(self) -> tuple[Contract, dict] | tuple[None, None]:
        for pk, model in self.contracts.items():
            if model["status"] in OPEN:
                return Contract.objects.get(pk=pk), model
        return None, None

    def _status(self) -> str:
        return self.contracts[max(self.contracts)]["status"]

    def _latest(self) -> tuple[Contract, dict]:
        pk = max(self.contracts)
        return Contract.objects.get(pk=pk), self.contracts[pk]

    def _try(self, action, expected: bool, what: str) -> bool:
        try:
            action()
        except DomainError as refusal:
            assert not expected, f"{what} was refused: {refusal.code} {refusal.message}"
            return False
        assert expected, f"{what} was accepted"
        return True

    def _changed(self, model: dict, status: str | None = None) -> None:
        model["version"] += 1
        if status is not None and status != model["status"]:
            model["status"] = status
            model["moves"] += 1

    def _deviating(self, model: dict) -> list[str]:
        return [k for k, text in model["texts"].items() if text != STANDARD[k]]

    # --- what people do --------------------------------------------------------------------

    # Each step is tried from the states nearest to where it is legal (and from one or two
    # where it is not), so that runs spend their steps moving the contract along.
    @precondition(lambda self: self._status() in ("cancelled", "signed", "in_review"))
    @rule(who=WHO)
    def make(self, who):
        contract, _model = self._open()
        legal = who in EDITORS and contract is None and not self.won
        made = []
        template = ContractTemplate.objects.get(current=True)
        if self._try(
            lambda: made.append(
                contract_create(
                    deal=Deal.objects.get(pk=self.deal.pk),
                    quote=self.quote,
                    template=template,
                    by=self.people[who],
                )
            ),
            legal,
            f"{self.people[who]} makes a contract",
        ):
            self.contracts[made[0].pk] = {
                "status": "draft",
                "version": 1,
                "moves": 0,
                "texts": dict(STANDARD),
                "scheduled": False,
                "documents": set(),
                "round_open": False,
            }

    @rule(who=WHO, texts=EDITS)
    def reword(self, who, texts):
        contract, model = self._latest()
        valid = all(k in STANDARD and text.strip() for k, text in texts.items())
        legal = who in EDITORS and model["status"] in ("draft", "returned", "approved") and valid
        if self._try(
            lambda: clauses_edit(contract=contract, by=self.people[who], texts=texts),
            legal,
            f"reword {texts} of a {model['status']} contract",
        ):
            model["texts"].update(texts)
            self._changed(model, "draft" if model["status"] == "approved" else None)

    @precondition(lambda self: self._status() == "approved")
    @rule(who=WHO, texts=EDITS)
    def reword_cleared(self, who, texts):
        self.reword(who, texts)  # withdraws the clearance

    @precondition(lambda self: self._status() in ("draft", "returned"))
    @rule(who=WHO)
    def submit_edited(self, who):
        self.submit(who)

    @rule(who=WHO)
    def submit(self, who):
        contract, model = self._latest()
        legal = who in EDITORS and model["status"] in ("draft", "returned")
        if self._try(
            lambda: contract_submit(contract=contract, by=self.people[who]),
            legal,
            f"submit a {model['status']} contract",
        ):
            needs_review = bool(self._deviating(model))
            model["round_open"] = needs_review
            self._changed(model, "in_review" if needs_review else "approved")

    review_args = {
        "who": st.sampled_from([LEGAL, LEGAL, LEGAL, 0, 2]),
        "approve": st.booleans(),
        "style": st.sampled_from(
            ["accept", "accept", "reject", "reject_silently", "propose", "none"]
        ),
        "comment": st.sampled_from(["", "责任上限请改回 20%"]),
    }

    @precondition(lambda self: self._status() in ("returned", "approved"))
    @rule(**review_args)
    def review_out_of_turn(self, who, approve, style, comment):
        self.review(who, approve, style, comment)

    @precondition(lambda self: self._status() == "in_review")
    @rule(**review_args)
    def review(self, who, approve, style, comment):
        contract, model = self._latest()
        deviating = self._deviating(model)
        decisions = review_decisions(style, deviating)
        complete = bool(decisions) or not deviating
        if style == "reject_silently" and decisions:
            complete = False  # a rejection says why
        rejects = style in ("reject", "reject_silently") and decisions
        says_why = bool(comment) or (style == "reject" and decisions)
        legal = (
            who == LEGAL
            and model["status"] == "in_review"
            and complete
            and not (approve and rejects)
            and (approve or says_why)
        )
        if not self._try(
            lambda: review_decide(
                contract=contract,
                by=self.people[who],
                approve=approve,
                decisions=decisions,
                comment=comment,
            ),
            legal,
            f"{self.people[who]} {'approves' if approve else 'returns'} ({style}) "
            f"a {model['status']} contract deviating in {deviating}",
        ):
            return
        model["round_open"] = False
        if approve and style == "propose":
            for d in decisions:
                model["texts"][d["clause"]] = d["proposed_text"]
        self._changed(model, "approved" if approve else "returned")

    @precondition(lambda self: self._status() in ("approved", "sent", "signed"))
    @rule(who=WHO, days=st.sampled_from([5, 5, -1]))
    def schedule(self, who, days):
        contract, model = self._latest()
        legal = who in EDITORS and model["status"] in OPEN and days >= 0
        if self._try(
            lambda: contract_schedule(
                contract=contract,
                by=self.people[who],
                target_signing_date=timezone.localdate() + timedelta(days=days),
            ),
            legal,
            f"schedule a {model['status']} contract {days} days ahead",
        ):
            model["scheduled"] = True
            self._changed(model)

    @precondition(lambda self: self._status() in ("approved", "sent", "signed"))
    @rule(
        who=WHO,
        keys=st.sampled_from([DOCUMENTS, DOCUMENTS, ["contract"], ["visa"]]),
        ready=st.sampled_from([True, True, False]),
    )
    def prepare(self, who, keys, ready):
        contract, model = self._latest()
        for key in keys:
            legal = who in EDITORS and model["status"] in OPEN and key in DOCUMENTS
            if self._try(
                lambda key=key: document_tick(
                    contract=contract, by=self.people[who], key=key, ready=ready
                ),
                legal,
                f"tick {key} of a {model['status']} contract",
            ):
                (model["documents"].add if ready else model["documents"].discard)(key)
                self._changed(model)
                contract.refresh_from_db()

    @precondition(lambda self: self._status() in ("approved", "sent", "in_review"))
    @rule(who=WHO)
    def send(self, who):
        contract, model = self._latest()
        legal = (
            who in EDITORS
            and model["status"] == "approved"
            and model["scheduled"]
            and model["documents"] == set(DOCUMENTS)
        )
        if self._try(
            lambda: contract_send(contract=contract, by=self.people[who]),
            legal,
            f"send a {model['status']} contract",
        ):
            self._changed(model, "sent")

    @precondition(lambda self: self._status() in ("approved", "sent", "signed", "returned"))
    @rule(who=WHO, content=st.sampled_from([SIGNED_PDF, SIGNED_PDF, b"", b"just text"]))
    def sign(self, who, content):
        contract, model = self._latest()
        legal = (
            who in EDITORS
            and model["status"] in ("approved", "sent")
            and content == SIGNED_PDF
            and not self.won
            # the contracting checklist's signing date is this contract's own
            and model["scheduled"]
        )
        if self._try(
            lambda: contract_sign(
                contract=contract, by=self.people[who], name="signed.pdf", content=content
            ),
            legal,
            f"sign a {model['status']} contract with {content[:10]!r}",
        ):
            self.won = True
            self._changed(model, "signed")

    @precondition(lambda self: self._status() in ("sent", "signed", "archived"))
    @rule(who=WHO)
    def archive(self, who):
        contract, model = self._latest()
        legal = who in EDITORS and model["status"] == "signed"
        if self._try(
            lambda: contract_archive(contract=contract, by=self.people[who]),
            legal,
            f"archive a {model['status']} contract",
        ):
            self._changed(model, "archived")

    @precondition(lambda self: self._status() in ("in_review", "returned", "sent", "signed"))
    @rule(who=WHO, reason=st.sampled_from(["", "", "客户预算冻结"]))
    def cancel(self, who, reason):
        contract, model = self._latest()
        legal = who in EDITORS and model["status"] in OPEN and bool(reason)
        if self._try(
            lambda: contract_cancel(contract=contract, by=self.people[who], reason=reason),
            legal,
            f"cancel a {model['status']} contract saying {reason!r}",
        ):
            self._changed(model, "cancelled")

    # --- what must hold after every step ---------------------------------------------------

    @invariant()
    def contracts_are_as_the_model_says_with_one_audit_row_per_move(self):
        if not getattr(self, "contracts", None):
            return
        for contract in Contract.objects.filter(pk__in=self.contracts):
            model = self.contracts[contract.pk]
            assert contract.status == model["status"], (contract.number, contract.status, model)
            assert contract.version == model["version"], "the version counts accepted changes"
            texts = dict(contract.clauses.values_list("key", "text"))
            assert texts == model["texts"]
            assert (contract.amount, contract.currency) == (self.quote.total, self.quote.currency)
            updates = LogEntry.objects.get_for_object(contract).filter(
                action=LogEntry.Action.UPDATE
            )
            changes = [set(e.changes_dict) for e in updates if set(e.changes_dict) != {"number"}]
            assert sum("status" in c for c in changes) == model["moves"], "one row per move"
            assert len(changes) <= model["version"] - 1, "more audit rows than changes"
            # A contract cancelled in review keeps its undecided round (the queue lists
            # contracts in review only): one open round at most, and only then.
            open_rounds = contract.reviews.filter(decided_at__isnull=True).count()
            assert open_rounds == int(model["round_open"])

    @invariant()
    def reviews_are_final_and_never_the_requesters(self):
        if not getattr(self, "contracts", None):
            return
        for review in LegalReview.objects.filter(
            contract__in=list(self.contracts), decided_at__isnull=False
        ).prefetch_related("decisions"):
            assert review.reviewer_id not in (self.org.rep.pk, review.submitted_by_id)
            decided = (
                review.reviewer_id,
                review.decided_at,
                review.outcome,
                review.comment,
                sorted((d.clause_id, d.verdict, d.text) for d in review.decisions.all()),
            )
            assert self.reviews.setdefault(review.pk, decided) == decided

    @invariant()
    def the_deal_is_won_once_by_the_signed_contract(self):
        if not hasattr(self, "deal"):
            return
        deal = Deal.objects.get(pk=self.deal.pk)
        assert (deal.status == "won") == self.won
        assert StageEvent.objects.filter(deal=deal, to_stage="won").count() == int(self.won)
        assert Handover.objects.filter(deal=deal).count() == int(self.won)
        live = [m for m in self.contracts.values() if m["status"] in OPEN]
        assert len(live) <= 1


@pytest.mark.django_db
def test_contracts_survive_random_people_doing_random_things():
    ContractLife.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=40,
        deadline=None,
        derandomize=True,  # fixed in CI; set derandomize=False for a random nightly run
        suppress_health_check=list(HealthCheck),
    )
    ContractLife.TestCase().runTest()
