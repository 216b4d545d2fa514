from datetime import datetime

from django.conf import settings
from ninja import Field, Router, Schema, Status

from accounts import services
from core.schemas import choice_field

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    name: str
    language: str
    time_zone: str = Field(description="IANA name (Europe/Paris): dates are shown in it.")


class MeIn(Schema):
    display_name: str | None = Field(None, max_length=120)
    language: str | None = choice_field([code for code, _name in settings.LANGUAGES], None)
    time_zone: str | None = Field(
        None, max_length=64, description="An IANA time zone name, such as America/Montreal."
    )


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


@router.patch(
    "/me",
    response=MeOut,
    operation_id="update_me",
    summary="Change my name, language or time zone (what the body leaves out stays)",
)
def update_me(request, payload: MeIn):
    user = request.auth
    return services.update_profile(
        user=user,
        display_name=user.display_name if payload.display_name is None else payload.display_name,
        language=user.language if payload.language is None else payload.language,
        time_zone=payload.time_zone,
    )


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
