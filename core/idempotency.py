"""Idempotency keys for action forms and API calls."""

import uuid

from django.db import connections, router
from django.utils import timezone
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

    One statement, ``INSERT … ON CONFLICT (key) DO NOTHING`` (SQLite and
    PostgreSQL alike): the row count says whether this call claimed the key.
    No savepoint is needed, since a used key raises nothing; a room action
    runs this on every submission.
    """
    key = parse_key(key)
    if key is None:
        return True
    from core.models import IdempotencyKey

    meta = IdempotencyKey._meta
    connection = connections[router.db_for_write(IdempotencyKey)]
    names = ("key", "user", "created", "made")
    fields = [meta.get_field(name) for name in names]
    values = [key, user.pk, timezone.now(), ""]
    params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the text;
    # every value is a parameter.
    sql = "INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING".format(  # noqa: S608
        table=quote(meta.db_table),
        columns=", ".join(quote(f.column) for f in fields),
        marks=", ".join(["%s"] * len(fields)),
        key=quote(meta.get_field("key").column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


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
