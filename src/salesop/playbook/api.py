from django.shortcuts import get_object_or_404
from ninja import Router, Status

from salesop.core.api import READ_ERRORS, STATE_ERRORS, WRITE_ERRORS, Id
from salesop.core.errors import DomainError
from salesop.playbook import customfields, selectors, services
from salesop.playbook.models import FieldModel
from salesop.playbook.schemas import (
    CustomValuesIn,
    CustomValuesOut,
    FieldDefinitionOut,
    VersionDetailOut,
    VersionIn,
    VersionOut,
)

router = Router(tags=["playbook"])


@router.get("/playbook", response={200: dict, **READ_ERRORS}, operation_id="playbook_active")
def playbook_active(request):
    """The running playbook as data: stages, checklists, criteria, BANT model, SLAs, alerts."""
    return selectors.active_playbook().model_dump(mode="json")


@router.get(
    "/playbook/versions",
    response={200: list[VersionOut], **READ_ERRORS},
    operation_id="playbook_versions_list",
)
def playbook_versions_list(request):
    return list(selectors.versions())


@router.get(
    "/playbook/versions/{version_id}",
    response={200: VersionDetailOut, **READ_ERRORS},
    operation_id="playbook_versions_get",
)
def playbook_versions_get(request, version_id: Id):
    return get_object_or_404(selectors.versions(), pk=version_id)


@router.post(
    "/playbook/versions",
    response={201: VersionDetailOut, **WRITE_ERRORS},
    operation_id="playbook_versions_create",
)
def playbook_versions_create(request, payload: VersionIn):
    """Stores a new version (not yet active). Invalid text: 422 with one error per problem,
    each with its path and line."""
    version = services.playbook_version_create(
        text=payload.text, comment=payload.comment, by=request.user
    )
    return Status(201, version)


@router.post(
    "/playbook/versions/{version_id}/activate",
    response={200: VersionOut, **STATE_ERRORS},
    operation_id="playbook_versions_activate",
)
def playbook_versions_activate(request, version_id: Id):
    version = get_object_or_404(selectors.versions(), pk=version_id)
    return services.playbook_activate(version=version, by=request.user)


@router.get(
    "/custom-fields",
    response={200: list[FieldDefinitionOut], **READ_ERRORS},
    operation_id="custom_fields_list",
)
def custom_fields_list(request, model: FieldModel | None = None):
    """The fields sales ops added, by kind of record, in their order."""
    labels = [model] if model else list(FieldModel.values)
    return [field for label in labels for field in customfields.definitions(label)]


@router.patch(
    "/custom-fields/{model}/{record_id}",
    response={200: CustomValuesOut, **STATE_ERRORS},
    operation_id="custom_fields_set",
)
def custom_fields_set(request, model: FieldModel, record_id: Id, payload: CustomValuesIn):
    """Sets some of a record's custom field values, checked by each field's type; refused
    values are named as `values.<key>`, where the body gave them."""
    record = selectors.record_for(request.user, model, record_id)
    try:
        customfields.write(
            record, payload.values, by=request.user, expected_version=payload.expected_version
        )
    except DomainError as error:
        error.fields = {
            "values." + path.removeprefix("custom."): message
            for path, message in error.fields.items()
        }
        raise
    return {
        "id": record.pk,
        "version": record.version,
        "custom": customfields.live_values(record, request),
    }
