"""Claiming an idempotency key: one statement, and a used key says so."""

import threading
import uuid

import pytest
from django.db import connection, transaction

from core.idempotency import first_time
from core.models import IdempotencyKey


@pytest.mark.django_db
def test_a_key_is_claimed_once_and_its_row_written(make_user):
    ada, bo = make_user("ada"), make_user("bo")
    key = uuid.uuid4()
    assert first_time(key=str(key), user=ada) is True
    row = IdempotencyKey.objects.get(key=key)
    assert (row.user_id, row.made) == (ada.pk, "")
    assert row.created is not None
    # The same key again, by the same person or another: used.
    assert first_time(key=key, user=ada) is False
    assert first_time(key=key, user=bo) is False
    assert IdempotencyKey.objects.filter(key=key).count() == 1


@pytest.mark.django_db
def test_no_key_or_a_malformed_one_claims_nothing(make_user):
    ada = make_user("ada")
    assert first_time(key=None, user=ada) is True
    assert first_time(key="not-a-uuid", user=ada) is True
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_used_key_leaves_the_transaction_usable(make_user, django_assert_num_queries):
    """No error is raised for a used key, so no savepoint is needed: one
    statement, and the caller's transaction goes on."""
    ada = make_user("ada")
    key = uuid.uuid4()
    with transaction.atomic():
        with django_assert_num_queries(1):
            assert first_time(key=key, user=ada) is True
        with django_assert_num_queries(1):
            assert first_time(key=key, user=ada) is False
        assert IdempotencyKey.objects.filter(key=key).count() == 1


@pytest.mark.django_db
def test_a_rolled_back_action_gives_its_key_back(make_user):
    ada = make_user("ada")
    key = uuid.uuid4()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert first_time(key=key, user=ada) is True
        raise RuntimeError("the action failed")
    assert not IdempotencyKey.objects.filter(key=key).exists()
    assert first_time(key=key, user=ada) is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_claim_the_key_once(make_user):
    """On PostgreSQL the second insert waits for the first transaction and
    then finds the key: exactly one of two concurrent submissions goes on."""
    ada = make_user("ada")
    key = uuid.uuid4()
    results, barrier = [], threading.Barrier(2)

    def submit():
        try:
            with transaction.atomic():
                barrier.wait(timeout=5)
                results.append(first_time(key=key, user=ada))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [False, True]
    assert IdempotencyKey.objects.filter(key=key).count() == 1
