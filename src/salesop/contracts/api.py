from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from salesop.contracts import (
    documents,
    files,
    legal_review,
    selectors,
    services,
    signing,
    template_versions,
)
from salesop.contracts.documents import DOCX_TYPE
from salesop.contracts.models import Contract
from salesop.contracts.schemas import (
    AllowedIncentiveOut,
    CancelIn,
    ClausesIn,
    ContractDetailOut,
    ContractIn,
    ContractOut,
    ContractVersionIn,
    DocumentReadyIn,
    IncentiveIn,
    IncentiveOut,
    QueueOut,
    ReviewIn,
    ScheduleIn,
    TemplateDetailOut,
    TemplateIn,
    TemplateOut,
    VerifyOut,
)
from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.deals.selectors import deal_for

router = Router(tags=["contracts"])


def _binary(description: str, *content_types: str) -> dict:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {
            200: {"description": description, "content": dict.fromkeys(content_types, binary)}
        }
    }


def _detail(contract: Contract) -> Contract:
    """The contract with what the detail schema reads, fetched in a fixed number of queries."""
    contract.files = list(contract.documents.defer("content"))
    contract.incentives_list = list(contract.incentives.select_related("approval"))
    contract.documents_missing = signing.missing_documents(contract)
    return contract


def _contract(request, contract_id: Id) -> Contract:
    return selectors.contract_for(request.user, contract_id)


def _upload_bytes(file: UploadedFile | None) -> bytes:
    """The upload's bytes (none when no file was sent: the service says what is missing)."""
    if file is None:
        return b""
    if file.size > settings.CONTRACT_UPLOAD_MAX_BYTES:
        message = files.too_large_message()
        raise DomainError("too_large", message, {"file": message})
    return file.read()


# --- templates ------------------------------------------------------------------------------


@router.get(
    "/contract-templates",
    response={200: list[TemplateOut], **READ_ERRORS},
    operation_id="contract_templates_list",
)
def contract_templates_list(request):
    """The current version of each template (what new contracts are made from)."""
    return list(selectors.templates_current())


@router.get(
    "/contract-templates/{template_id}",
    response={200: TemplateDetailOut, **READ_ERRORS},
    operation_id="contract_templates_get",
)
def contract_templates_get(request, template_id: Id):
    return selectors.template_for(template_id)


@router.post(
    "/contract-templates",
    response={201: TemplateDetailOut, **WRITE_ERRORS},
    operation_id="contract_templates_create",
)
def contract_templates_create(request, payload: TemplateIn):
    """Saves a new version of a template (legal or sales ops)."""
    template = template_versions.template_save(
        by=request.user,
        code=payload.code,
        name=payload.name,
        clauses=[c.dict() for c in payload.clauses],
        note=payload.note,
    )
    return Status(201, template)


# --- contracts ------------------------------------------------------------------------------


@router.get(
    "/deals/{deal_id}/contracts",
    response={200: list[ContractOut], **READ_ERRORS},
    operation_id="contracts_list",
)
def contracts_list(request, deal_id: Id):
    return list(selectors.contracts_of(deal_for(request.user, deal_id)))


@router.post(
    "/deals/{deal_id}/contracts",
    response={201: ContractDetailOut, **WRITE_ERRORS},
    operation_id="contracts_create",
)
def contracts_create(request, deal_id: Id, payload: ContractIn):
    """A contract from the deal's current approved quote and a template's current version."""
    deal = deal_for(request.user, deal_id)
    quote, template = selectors.contract_sources(deal, payload.quote_id, payload.template_id)
    contract = services.contract_create(
        deal=deal,
        quote=quote,
        template=template,
        by=request.user,
        target_signing_date=payload.target_signing_date,
    )
    return Status(201, _detail(_contract(request, contract.pk)))


@router.get(
    "/contracts/{contract_id}",
    response={200: ContractDetailOut, **READ_ERRORS},
    operation_id="contracts_get",
)
def contracts_get(request, contract_id: Id):
    return _detail(_contract(request, contract_id))


def _then(request, contract: Contract) -> Contract:
    return _detail(_contract(request, contract.pk))


@router.patch(
    "/contracts/{contract_id}/clauses",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_clauses_edit",
)
def contracts_clauses_edit(request, contract_id: Id, payload: ClausesIn):
    """Rewords clauses by key; each is marked against its standard text."""
    contract = _contract(request, contract_id)
    services.clauses_edit(
        contract=contract,
        by=request.user,
        texts=payload.texts,
        expected_version=payload.expected_version,
    )
    return _then(request, contract)


@router.post(
    "/contracts/{contract_id}/submit",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_submit",
)
def contracts_submit(request, contract_id: Id, payload: ContractVersionIn | None = None):
    """To legal when a clause needs it, otherwise cleared at once."""
    contract = _contract(request, contract_id)
    legal_review.contract_submit(
        contract=contract,
        by=request.user,
        expected_version=payload.expected_version if payload else None,
    )
    return _then(request, contract)


@router.get(
    "/contract-reviews",
    response={200: list[QueueOut], **READ_ERRORS},
    operation_id="contract_reviews_list",
)
def contract_reviews_list(request):
    """Legal's queue: contracts waiting for review, oldest first."""
    return list(selectors.review_queue(request.user)[:200])


@router.post(
    "/contracts/{contract_id}/review",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_review",
)
def contracts_review(request, contract_id: Id, payload: ReviewIn):
    """Legal's decision: a verdict per flagged clause, then approve or return."""
    contract = _contract(request, contract_id)
    legal_review.review_decide(
        contract=contract,
        by=request.user,
        approve=payload.approve,
        decisions=[d.dict() for d in payload.decisions],
        comment=payload.comment,
        expected_version=payload.expected_version,
    )
    return _then(request, contract)


@router.put(
    "/contracts/{contract_id}/schedule",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_schedule",
)
def contracts_schedule(request, contract_id: Id, payload: ScheduleIn):
    """The date the customer agreed to sign by; the follow-up comes due after it."""
    contract = _contract(request, contract_id)
    signing.contract_schedule(
        contract=contract,
        by=request.user,
        target_signing_date=payload.target_signing_date,
        expected_version=payload.expected_version,
    )
    return _then(request, contract)


@router.post(
    "/contracts/{contract_id}/documents/{key}",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_document_ready",
)
def contracts_document_ready(request, contract_id: Id, key: str, payload: DocumentReadyIn):
    """Marks one of the playbook's signing documents ready (or not)."""
    contract = _contract(request, contract_id)
    signing.document_tick(contract=contract, by=request.user, key=key, ready=payload.ready)
    return _then(request, contract)


@router.post(
    "/contracts/{contract_id}/send",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_send",
)
def contracts_send(request, contract_id: Id, payload: ContractVersionIn | None = None):
    contract = _contract(request, contract_id)
    signing.contract_send(
        contract=contract,
        by=request.user,
        expected_version=payload.expected_version if payload else None,
    )
    return _then(request, contract)


@router.post(
    "/contracts/{contract_id}/sign",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_sign",
)
def contracts_sign(request, contract_id: Id, file: File[UploadedFile] = None):
    """Records the signature with the signed copy (PDF or image, multipart field `file`); the
    deal is won through its gate and the hand-over to delivery is created."""
    contract = _contract(request, contract_id)
    name = (file.name or "") if file else ""
    signing.contract_sign(
        contract=contract, by=request.user, name=name, content=_upload_bytes(file)
    )
    return _then(request, contract)


@router.post(
    "/contracts/{contract_id}/archive",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_archive",
)
def contracts_archive(request, contract_id: Id):
    contract = _contract(request, contract_id)
    signing.contract_archive(contract=contract, by=request.user)
    return _then(request, contract)


@router.post(
    "/contracts/{contract_id}/cancel",
    response={200: ContractDetailOut, **STATE_ERRORS},
    operation_id="contracts_cancel",
)
def contracts_cancel(request, contract_id: Id, payload: CancelIn):
    contract = _contract(request, contract_id)
    signing.contract_cancel(contract=contract, by=request.user, reason=payload.reason)
    return _then(request, contract)


@router.get(
    "/contracts/{contract_id}/incentives/allowed",
    response={200: list[AllowedIncentiveOut], **READ_ERRORS},
    operation_id="contracts_incentives_allowed",
)
def contracts_incentives_allowed(request, contract_id: Id):
    """The concessions the caller may still offer on the contract as a time-limited incentive
    to sign: allowed by the price policy, not offered yet, while the contract is open; none
    for someone who does not edit it (legal, a manager reading)."""
    return selectors.incentives_offerable(request.user, _contract(request, contract_id))


@router.post(
    "/contracts/{contract_id}/incentives",
    response={201: IncentiveOut, **STATE_ERRORS},
    operation_id="contracts_incentives_offer",
)
def contracts_incentives_offer(request, contract_id: Id, payload: IncentiveIn):
    """Offers an incentive; one that needs approval waits for the manager."""
    incentive = signing.incentive_offer(
        contract=_contract(request, contract_id),
        by=request.user,
        key=payload.key,
        note=payload.note,
    )
    return Status(201, incentive)


@router.get(
    "/contracts/{contract_id}/docx",
    response={**READ_ERRORS},
    operation_id="contracts_docx",
    openapi_extra=_binary("The contract as it reads now, as a Word document.", DOCX_TYPE),
)
def contracts_docx(request, contract_id: Id):
    contract = _contract(request, contract_id)
    response = HttpResponse(files.contract_docx(contract), content_type=DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{contract.number}.docx")
    return response


@router.get(
    "/contracts/{contract_id}/files/{file_id}",
    response={**READ_ERRORS},
    operation_id="contracts_file",
    openapi_extra=_binary(
        "An archived file, byte for byte: the generated Word document and PDF, or a signed copy.",
        DOCX_TYPE,
        *dict.fromkeys(documents.SIGNED_TYPES.values()),
    ),
)
def contracts_file(request, contract_id: Id, file_id: Id):
    contract = _contract(request, contract_id)
    stored = selectors.contract_file(contract, file_id)
    response = HttpResponse(bytes(stored.content), content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition_header(True, stored.name)
    response["X-Content-SHA256"] = stored.sha256
    return response


@router.post(
    "/contracts/{contract_id}/verify",
    response={200: VerifyOut, **WRITE_ERRORS},
    operation_id="contracts_verify",
)
def contracts_verify(request, contract_id: Id, file: File[UploadedFile] = None):
    """Whether a copy is byte for byte one of the contract's archived files (by SHA-256)."""
    contract = _contract(request, contract_id)
    content = _upload_bytes(file)
    if not content:
        message = _("Upload the file to compare.")
        raise DomainError("file", message, {"file": message})
    match = files.verify_file(contract, content)
    return {"matches": match is not None, "file": match}
