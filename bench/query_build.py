"""What the ORM costs to build a room's reads, before any SQL runs.

    .venv/bin/python bench/query_build.py [--repeat 2000]

For each read a live room makes on every action or change, the time to build
the queryset (``filter``, ``select_related``) and to compile its SQL
(``as_sql``), median of ``--repeat`` runs, beside the baseline of a read of
one meeting by its primary key. Each ordered read is also timed without its
ORDER BY (``order_by()``, as ``core.queries`` reads it) to show what Django's
ordering costs on top of the columns it selects. Nothing is executed, so no
database is needed (SQLite in memory gives the compiler its dialect).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from bench_env import production_settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure() -> None:
    production_settings()
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    os.environ.pop("REDIS_URL", None)


def reads() -> list[tuple[str, object]]:
    """(name, a function building the queryset), the baseline first."""
    from django.contrib.auth import get_user_model

    from circles import selectors as circle_selectors
    from proposals import selectors as proposal_selectors
    from proposals.models import Proposal, Response
    from realtime import selectors
    from realtime.models import Meeting

    user = get_user_model()(pk=7)
    meeting = Meeting(pk=5, circle_id=3)
    proposal = Proposal(pk=11, circle_id=3)
    return [
        ("meeting by pk (baseline)", lambda: Meeting.objects.filter(pk=5)),
        (
            "room: meeting + organization check",
            lambda: Meeting.objects.select_related("circle", "circle__organization").filter(
                pk=5,
                circle__organization__slug="acme",
                circle__organization__members__user=user,
                circle__organization__members__left__isnull=True,
            ),
        ),
        (
            "step: proposal + organization check",
            lambda: circle_selectors.read_in(
                Proposal.objects.filter(pk=11).select_related(*proposal_selectors.ACTING),
                user,
                "acme",
            ),
        ),
        ("room: agenda (ordered)", lambda: selectors.agenda(meeting, decisions=False)),
        (
            "room: agenda, with the decision join (ordered)",
            lambda: selectors.agenda(meeting),
        ),
        (
            "process: answers with their two people (ordered)",
            lambda: (
                Response.objects.filter(round__in=[1, 2], replaced__isnull=True)
                .select_related("member", "recorded_by")
                .order_by("created", "pk")
            ),
        ),
        (
            "process: objections, with answer, round, revision (ordered)",
            lambda: proposal_selectors.objections(proposal).select_related(
                "response__round__revision"
            ),
        ),
        ("process: objections (ordered)", lambda: proposal_selectors.objections(proposal)),
    ]


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    configure()
    import django

    django.setup()

    def compile_sql(qs):
        return qs.query.get_compiler("default").as_sql()

    rows = []
    measured = reads()
    for _name, build in measured:  # warm: imports, content types, field caches
        compile_sql(build())
        compile_sql(build().order_by())
    for name, build in measured:
        built = timed(build, args.repeat)
        compiled = timed(lambda b=build: compile_sql(b()), args.repeat)
        ordered = build().ordered
        unordered = timed(lambda b=build: compile_sql(b().order_by()), args.repeat)
        rows.append((name, built, compiled, unordered if ordered else None))
    base = rows[0][2]
    print(f"query_build: median of {args.repeat} builds each; no SQL is executed")
    print(f"{'read':<60} {'build ms':>9} {'+ SQL ms':>9} {'x base':>7} {'no ORDER BY':>12}")
    print(f"{'':<60} {'':>9} {'(both)':>9} {'':>7} {'(both, ms)':>12}")
    for name, built, compiled, unordered in rows:
        plain = f"{unordered:.3f}" if unordered is not None else "-"
        print(f"{name:<60} {built:>9.3f} {compiled:>9.3f} {compiled / base:>7.1f} {plain:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
