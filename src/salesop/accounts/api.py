from django.shortcuts import get_object_or_404
from ninja import Router, Status

from salesop.accounts import selectors, services
from salesop.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from salesop.core.api import READ_ERRORS, WRITE_ERRORS, Id

router = Router(tags=["me"])


@router.get("/me", response={200: MeOut, **READ_ERRORS}, operation_id="me_get")
def me_get(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "roles": sorted(user.roles),
        "team": user.team,
        "language": user.language,
        "timezone": user.timezone,
    }


@router.get("/tokens", response={200: list[TokenOut], **READ_ERRORS}, operation_id="tokens_list")
def tokens_list(request):
    return list(selectors.api_tokens_of(request.user))


@router.post(
    "/tokens", response={201: TokenCreatedOut, **WRITE_ERRORS}, operation_id="tokens_create"
)
def tokens_create(request, payload: TokenIn):
    token, raw = services.api_token_create(user=request.user, name=payload.name, days=payload.days)
    token.token = raw
    return Status(201, token)


@router.delete(
    "/tokens/{token_id}", response={200: TokenOut, **WRITE_ERRORS}, operation_id="tokens_revoke"
)
def tokens_revoke(request, token_id: Id):
    token = get_object_or_404(selectors.api_tokens_of(request.user), pk=token_id)
    return services.api_token_revoke(token=token)
