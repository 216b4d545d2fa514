"""Server-side latency of the decision log pages on a large log.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cercle_logbench \
        python bench/log_pages.py [requests]

Run bench/make_decisions.py first (100,000 decisions in organization "bench",
a public log). Requests go through django.test.Client in-process: the whole
Django stack (middleware, URL routing, view, template) without a network or a
server, so the figures are server-side time. A minimal Django view served the
same way is the floor. Prints p50 and p99 (ms) and the number of queries per
request, then the time of a full verify_decisions.
"""

import statistics
import sys
import time
from pathlib import Path

from bench_env import production_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
production_settings()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

from circles.models import Organization  # noqa: E402
from decisions.services import verify_log  # noqa: E402


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("bench-minimal/", minimal), path("", include("config.urls"))]


def measure(client, url, n):
    for _ in range(5):
        client.get(url)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1], len(ctx.captured_queries)


def main(n: int) -> None:
    settings.ROOT_URLCONF = __name__
    org = Organization.objects.get(slug="bench")
    person = org.members.first().user_id
    client = Client()
    base = "/o/bench/log/"
    cases = [
        ("minimal Django view", "/bench-minimal/"),
        ("log page", base),
        ("log page, 1000th page (before=75000)", base + "?before=75000"),
        ("filtered: circle+kind+status", base + "?circle=c3&kind=policy&status=in_force"),
        ("filtered: person who objected", base + f"?person={person}&role=objector"),
        ("filtered: date range", base + "?from=2016-01-01&to=2016-03-31"),
        ("search (2 words, French)", base + "search/?q=semences+compost"),
        ("search (rare word)", base + "search/?q=trésorerie+paysan+vélo"),
        ("permalink", base + "50000/"),
    ]
    print(f"{'page':42} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for label, url in cases:
        p50, p99, queries = measure(client, url, n)
        print(f"{label:42} {p50:8.1f} {p99:8.1f} {queries:8d}")
    reset_queries()
    start = time.perf_counter()
    result = verify_log(organization_id=org.pk)
    print(
        f"\nverify_decisions on {result.count} entries: "
        f"{time.perf_counter() - start:.2f} s, ok={result.ok}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
