"""State changes of accounts: keyword-only functions, one transaction each."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token, validate_time_zone
from core.errors import Invalid, NotFound

TOKEN_PREFIX = "cercle_"


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise Invalid("Give the token a name.", field="name")
    if len(name) > 80:
        raise Invalid("A token name has at most 80 characters.", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 5], key_hash=hash_token(raw)
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
    return token


def user_for_token(raw: str) -> User | None:
    """The active user a raw token belongs to, or None; notes the last use."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # One write a minute at most, not one per request.
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user


@transaction.atomic
def update_profile(
    *, user: User, display_name: str, language: str, time_zone: str | None = None
) -> User:
    """Name, language and (when given) time zone; a zone ``zoneinfo`` does not
    know is refused (``Invalid``, field ``time_zone``) and nothing changes."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.display_name = display_name.strip()
    user.language = language
    if time_zone is not None:
        time_zone = time_zone.strip()
        try:
            validate_time_zone(time_zone)
        except ValidationError as error:
            raise Invalid(error.messages[0], field="time_zone") from None
        user.time_zone = time_zone
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise Invalid(messages[0], field=field) from None
    user.save(update_fields=["display_name", "language", "time_zone"])
    return user
