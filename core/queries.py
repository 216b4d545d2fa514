"""Reads a live room repeats on every change, built without an ORDER BY.

To build an ORDER BY, Django hashes every column the query selects
(``SQLCompiler._order_by_pairs`` matches the ordering against them): for a
read that joins a few tables, that costs more than the rest of building its
SQL. A room reads a handful of rows of one meeting or one process on every
change (its agenda, the process's rounds, their answers), so those reads
leave the ordering out and sort the few rows here, and a read of the one row
a constraint allows does not ask for the ordering ``first()`` adds
(docs/PERFORMANCE.md, session 10).
"""

from operator import attrgetter

from django.db.models import QuerySet


def one_or_none(queryset: QuerySet):
    """The only row of ``queryset`` (a primary key or a unique constraint
    keeps it to at most one), or None: ``first()`` without its ORDER BY.
    Two rows are an error (``MultipleObjectsReturned``), never a silent pick."""
    try:
        return queryset.get()
    except queryset.model.DoesNotExist:
        return None


def in_order(queryset: QuerySet, *fields: str) -> list:
    """The rows of ``queryset``, sorted by ``fields`` as ``order_by`` names
    them ("-" first for descending), in Python instead of in the database.

    Only for the few rows of one meeting or one process, sorted on fields
    that are never null; a list that grows without bound, or a page of one,
    is ordered by the database."""
    rows = list(queryset.order_by())
    for field in reversed(fields):
        rows.sort(key=attrgetter(field.removeprefix("-")), reverse=field.startswith("-"))
    return rows
