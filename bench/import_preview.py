"""Time of the members-list preview (circles.imports.parse + plan).

    python bench/import_preview.py          # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cercle_bench python bench/import_preview.py

Builds an organization with 30 circles and 1,000 members, then previews lists
of 500 and 5,000 lines (half new addresses, half existing members, a few
errors), side by side with the floor: parsing the same text alone. Prints the
median of 5 runs (ms) and the queries of one preview. The target (issue 16):
5,000 lines under 5 s.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_env import production_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
production_settings()
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from circles import imports, services  # noqa: E402
from circles.models import Circle, Membership, OrganizationMember  # noqa: E402


def setup():
    call_command("migrate", verbosity=0)
    User = get_user_model()
    User.objects.filter(email__endswith="@bench.example").delete()
    admin = User.objects.create_user(email="admin@bench.example", password="x" * 12)
    org = services.create_organization(name="Bench", slug=f"bench-{os.getpid()}", by=admin)
    root = Circle.objects.get(organization=org, parent__isnull=True)
    circles = [
        Circle.objects.create(organization=org, parent=root, name=f"Circle {i}", slug=f"c{i}")
        for i in range(30)
    ]
    people = User.objects.bulk_create(
        [User(email=f"m{i}@bench.example", display_name=f"Member {i}") for i in range(1000)]
    )
    OrganizationMember.objects.bulk_create(
        [OrganizationMember(organization=org, user=u) for u in people]
    )
    Membership.objects.bulk_create(
        [Membership(circle=circles[i % 30], user=u) for i, u in enumerate(people)]
    )
    return org, admin


def text_of(n: int) -> str:
    lines = ["email,name,circles,language"]
    for i in range(n):
        if i % 100 == 99:
            lines.append(f"not-an-address-{i},Oops,c1,fr")
        elif i % 2:
            lines.append(f"m{i % 1000}@bench.example,Member,c{i % 30}|c{(i + 1) % 30},")
        else:
            lines.append(f"new{i}@bench.example,New {i},c{i % 30},fr")
    return "\n".join(lines)


def median_ms(fn, runs=5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    org, admin = setup()
    print(f"database: {connection.vendor}")
    print(f"{'lines':>6} {'parse only (floor)':>20} {'parse + plan':>14} {'queries':>8}")
    for n in (500, 5000):
        text = text_of(n)
        floor = median_ms(lambda text=text: imports.parse(text))
        full = median_ms(lambda text=text: imports.plan(org, imports.parse(text), by=admin))
        with CaptureQueriesContext(connection) as ctx:
            imports.plan(org, imports.parse(text), by=admin)
        print(f"{n:>6} {floor:>17.0f} ms {full:>11.0f} ms {len(ctx.captured_queries):>8}")


if __name__ == "__main__":
    main()
