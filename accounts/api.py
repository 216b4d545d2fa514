from datetime import datetime

from ninja import Router, Schema, Status

from accounts import services

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    name: str
    language: str


class ApiTokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


class NewTokenOut(TokenOut):
    token: str


@router.get("/me", response=MeOut, operation_id="get_me", summary="The authenticated user")
def me(request):
    return request.auth


@router.get("/me/tokens", response=list[TokenOut], operation_id="list_tokens")
def list_tokens(request):
    return list(request.auth.api_tokens.all())


@router.post("/me/tokens", response={201: NewTokenOut}, operation_id="create_token")
def create_token(request, payload: ApiTokenIn):
    """Create a token; its secret is in this answer only, never again."""
    token, raw = services.create_api_token(user=request.auth, name=payload.name)
    out = TokenOut.from_orm(token).dict()
    return Status(201, NewTokenOut(**out, token=raw))


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut, operation_id="revoke_token")
def revoke_token(request, token_id: int):
    return services.revoke_api_token(user=request.auth, token_id=token_id)
