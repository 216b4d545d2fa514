"""Idempotency keys for action forms and API calls."""

import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import Conflict


def new_key() -> str:
    return str(uuid.uuid4())


def parse_key(raw) -> uuid.UUID | None:
    """A UUID from a form or header value, or None when absent or malformed."""
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def first_time(*, key, user) -> bool:
    """Claim ``key`` inside the caller's transaction; False if it was used before.

    Call it first in a service, after taking the row lock: a duplicate then
    waits for the first submission to commit and sees its key.
    """
    key = parse_key(key)
    if key is None:
        return True
    from core.models import IdempotencyKey

    try:
        with transaction.atomic():  # a savepoint: the IntegrityError stays local
            IdempotencyKey.objects.create(key=key, user_id=user.pk)
    except IntegrityError:
        return False
    return True


def used_before(*, key, user) -> bool:
    """Whether ``user`` sent ``key`` before (a replay), without claiming it."""
    from core.models import IdempotencyKey

    parsed = parse_key(key)
    if parsed is None or user is None or not user.is_authenticated:
        return False
    return IdempotencyKey.objects.filter(key=parsed, user_id=user.pk).exists()


def created_before(*, key, user, model):
    """For an action that creates a ``model`` row: the row an earlier call with
    ``key`` created, or None after claiming ``key`` for this call.

    Call it first in the creating service's transaction, then
    :func:`remember_created` with the new row. A key already used for another
    action (or by someone else) is refused: a new action needs a new key.
    """
    from core.models import IdempotencyKey

    parsed = parse_key(key)
    if parsed is None or user is None or not user.is_authenticated:
        return None
    if first_time(key=parsed, user=user):
        return None
    claim = IdempotencyKey.objects.filter(key=parsed, user_id=user.pk).first()
    label, _sep, pk = (claim.made if claim else "").partition(":")
    if label == model._meta.label_lower and pk.isdigit():
        earlier = model._default_manager.filter(pk=int(pk)).first()
        if earlier is not None:
            return earlier
    raise Conflict(_("This Idempotency-Key went with another action: send a new one."))


def remember_created(*, key, user, row) -> None:
    """Note on the claimed ``key`` the row its action created."""
    from core.models import IdempotencyKey

    parsed = parse_key(key)
    if parsed is None or user is None or not user.is_authenticated:
        return
    IdempotencyKey.objects.filter(key=parsed, user_id=user.pk).update(
        made=f"{row._meta.label_lower}:{row.pk}"
    )
