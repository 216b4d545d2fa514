"""Create N decisions in one organization quickly (default 100,000).

    DATABASE_URL=postgres://…/cercle_logbench python bench/make_decisions.py [N]

bulk_create with the hash chain computed in Python, exactly as
record_decision computes it (the append-only triggers refuse UPDATE and
DELETE only; inserts are fine). The log head is set at the end. Idempotent per
organization slug: it refuses to add to an existing "bench" organization.
"""

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from circles.models import Circle, Organization, OrganizationMember  # noqa: E402
from decisions.models import GENESIS_HASH, Decision, LogHead, chain_hash, decision_content  # noqa: E402

WORDS = [
    "réunion", "semences", "jardin", "budget", "accueil", "cotisation", "bénévoles",
    "compost", "outils", "marché", "local", "paysan", "coopérative", "vélo", "atelier",
    "cuisine", "formation", "transport", "rotation", "récolte", "stockage", "charte",
    "adhésion", "assemblée", "trésorerie",
]  # fmt: skip


def main(n: int) -> None:
    random.seed(6)
    if Organization.objects.filter(slug="bench").exists():
        print("The bench organization exists already; drop the database to start again.")
        return
    User = get_user_model()
    people = [
        User.objects.get_or_create(
            email=f"bench{i}@example.org", defaults={"display_name": f"Bench {i}"}
        )[0]
        for i in range(30)
    ]
    org = Organization.objects.create(name="Bench", slug="bench", language="fr", public_log=True)
    for user in people:
        OrganizationMember.objects.create(organization=org, user=user)
    root = Circle.objects.create(organization=org, name="Bench", slug="bench")
    circles = [root] + [
        Circle.objects.create(organization=org, parent=root, name=f"Cercle {i}", slug=f"c{i}")
        for i in range(10)
    ]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    prev, batch = GENESIS_HASH, []
    kinds = ["policy", "selection", "structure", "minutes", "other"]
    with transaction.atomic():
        for seq in range(1, n + 1):
            kind = kinds[seq % len(kinds)]
            circle = circles[seq % len(circles)]
            who = random.sample(people, 5)
            record = {
                "action": "policy_adopted" if kind == "policy" else "other",
                "by": {"id": who[0].pk, "name": who[0].name},
                "participants": [{"id": u.pk, "name": u.name} for u in who],
                "objections": [
                    {"member": {"id": who[1].pk, "name": who[1].name}, "reason": "trop tôt",
                     "state": "integrated", "resolution": "reporté", "revision": 2}
                ] if seq % 7 == 0 else [],
            }  # fmt: skip
            decided_at = start + timedelta(minutes=45 * seq)
            review = (decided_at + timedelta(days=365)).date() if kind == "policy" else None
            term_end = (decided_at + timedelta(days=730)).date() if kind == "selection" else None
            title = " ".join(random.sample(WORDS, 4)).capitalize() + f" {seq}"
            body = " ".join(random.choices(WORDS, k=60))
            content = decision_content(
                organization_id=org.pk, sequence=seq, circle_id=circle.pk, kind=kind,
                title=title, body=body, record=record, decided_at=decided_at,
                review_date=review, term_end=term_end, supersedes_id=None,
            )  # fmt: skip
            digest = chain_hash(prev, content)
            batch.append(
                Decision(
                    organization=org,
                    sequence=seq,
                    circle=circle,
                    kind=kind,
                    title=title,
                    body=body,
                    record=record,
                    decided_at=decided_at,
                    review_date=review,
                    term_end=term_end,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
            if len(batch) == 5000:
                Decision.objects.bulk_create(batch)
                batch = []
                print(f"{seq} decisions", flush=True)
        Decision.objects.bulk_create(batch)
        LogHead.objects.update_or_create(organization=org, defaults={"sequence": n, "hash": prev})
    if connection.vendor == "postgresql":
        # Fresh statistics: with none, the planner takes a search matching most
        # of the log for a rare one and picks a plan seconds slower.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE decisions_decision")
    print(f"Created {n} decisions in organization 'bench'; head {prev}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
