"""Search of the decision log.

PostgreSQL: the stored tsvector of the organization's language (migration
0004: French or English stemming, GIN-indexed), ``websearch_to_tsquery`` for
the reader's words, ``ts_rank`` for the order (over the newest
MAX_CANDIDATES matches) and ``ts_headline`` for the snippet, computed only for
the page of results. SQLite: every word must
appear in the title or the body (case-insensitive), newest first, with a
snippet cut around the first match.

Snippets come back as (highlighted, text) pairs; the template escapes the
text, so no HTML is ever built here.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from decisions.models import Decision
from logbook.selectors import LogFilters, apply_filters, log_queryset

MAX_RESULTS = 50
# Ranking reads every candidate's vector: a common word would rank the whole
# log. The newest MAX_CANDIDATES matches are ranked (found through the GIN
# index); older matches are reached with the date filters.
MAX_CANDIDATES = 1000
MAX_QUERY = 200
# Control characters cannot occur in a reader's query, so they mark the
# highlighted words in ts_headline's output without any HTML.
START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f]")
CONFIGS = {"fr": ("french", "search_fr"), "en": ("english", "search_en")}


@dataclass
class Hit:
    decision: Decision
    rank: float
    snippet: list[tuple[bool, str]]


def has_words(query: str) -> bool:
    return bool(_WORD.search(query or ""))


def clean_query(query: str) -> str:
    return _CONTROL.sub(" ", (query or "").strip())[:MAX_QUERY]


def search(organization, query: str, filters: LogFilters | None = None) -> list[Hit]:
    """The best matches (at most MAX_RESULTS) for ``query`` in ``organization``'s log.

    A query without a single letter or digit gives no result (never an error).
    """
    query = clean_query(query)
    if not has_words(query):
        return []
    filters = filters or LogFilters()
    if connection.vendor == "postgresql":
        return _search_postgres(organization, query, filters)
    return _search_fallback(organization, query, filters)


def _split_marked(text: str) -> list[tuple[bool, str]]:
    parts: list[tuple[bool, str]] = []
    for chunk in re.split(f"({START}.*?{STOP})", text or "", flags=re.S):
        if not chunk:
            continue
        if chunk.startswith(START) and chunk.endswith(STOP):
            parts.append((True, chunk[1:-1]))
        else:
            parts.append((False, chunk))
    return parts


def _search_postgres(organization, query: str, filters: LogFilters) -> list[Hit]:
    config, column = CONFIGS.get(organization.language, CONFIGS["en"])
    qs = apply_filters(log_queryset(organization), organization, filters)
    # The candidate ids, ranked, come from one indexed query; the filters are
    # those of the log (circle, kind, …) expressed by the ORM as a subquery.
    ids_sql, ids_params = qs.order_by().values("pk").query.sql_with_params()
    sql = f"""
        SELECT hit.id, hit.rank,
               ts_headline(%s::regconfig, d.title || ' — ' || d.body, hit.q,
                           %s) AS snippet
        FROM (
            SELECT c.id, ts_rank(c.vector, c.q) AS rank, c.q, c.sequence
            FROM (
                SELECT d.id, d.sequence, d.{column} AS vector, q
                FROM decisions_decision d, websearch_to_tsquery(%s::regconfig, %s) q
                WHERE d.organization_id = %s AND d.{column} @@ q AND d.id IN ({ids_sql})
                ORDER BY d.sequence DESC
                LIMIT %s
            ) c
            ORDER BY rank DESC, c.sequence DESC
            LIMIT %s
        ) hit JOIN decisions_decision d ON d.id = hit.id
        ORDER BY hit.rank DESC, d.sequence DESC
    """  # noqa: S608 - the column comes from CONFIGS, values are parameters
    options = f"StartSel={START},StopSel={STOP},MaxWords=30,MinWords=10,MaxFragments=2"
    params = [
        config,
        options,
        config,
        query,
        organization.pk,
        *ids_params,
        MAX_CANDIDATES,
        MAX_RESULTS,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_id = {d.pk: d for d in qs.filter(pk__in=[r[0] for r in rows])}
    return [
        Hit(decision=by_id[pk], rank=float(rank), snippet=_split_marked(snippet))
        for pk, rank, snippet in rows
        if pk in by_id
    ]


def _words(query: str) -> list[str]:
    return [w for w in re.findall(r"\w+", query, flags=re.UNICODE)][:10]


def _search_fallback(organization, query: str, filters: LogFilters) -> list[Hit]:
    words = _words(query)
    qs = apply_filters(log_queryset(organization), organization, filters)
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    hits = []
    for decision in qs.order_by("-sequence")[:MAX_RESULTS]:
        hits.append(Hit(decision=decision, rank=0.0, snippet=_snippet(decision, words)))
    return hits


def _snippet(decision, words: list[str], width: int = 90) -> list[tuple[bool, str]]:
    text = decision.body or decision.title
    lowered = text.lower()
    positions = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(0, min(positions) - width // 2) if positions else 0
    excerpt = text[start : start + width * 2]
    pattern = re.compile("(" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)
    parts: list[tuple[bool, str]] = []
    if start > 0:
        parts.append((False, "…"))
    for chunk in pattern.split(excerpt):
        if chunk:
            parts.append((bool(pattern.fullmatch(chunk)), chunk))
    if start + width * 2 < len(text):
        parts.append((False, "…"))
    return parts
