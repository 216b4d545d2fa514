"""Idempotency keys for action forms and API calls."""

import uuid

from django.db import IntegrityError, transaction


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
