"""Policies as living documents: a proposal's measures and domain go into the
policy's record; a circle's policy book groups its policies in force by
domain with their review badges; a review starts prefilled and shows the
measures to evaluate."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Invalid
from decisions.models import Decision
from decisions.services import record_decision
from proposals import services
from proposals.models import Proposal
from tests.policies_helpers import adopt, give_domains

MEASURES = ["Half our flour is local by June", "No baking day missed"]


@pytest.fixture
def ops(world):
    return give_domains(world.ops, "Purchasing", "Stock")


def _policy(world, circle, title, *, domain=None, review_in_days=200):
    """A policy entry written straight to the log (a review date in the past
    cannot be consented to, but a policy can become overdue)."""
    return record_decision(
        organization=world.org,
        kind=Decision.Kind.POLICY,
        circle=circle,
        title=title,
        body="Text",
        record={"action": "policy_adopted", "measures": [], "domain": domain},
        review_date=timezone.localdate() + timedelta(days=review_in_days),
    )


class TestMeasuresAndDomain:
    def test_it_records_the_measures_and_the_domain_with_the_policy(self, world, ops):
        decision = adopt(world, ops, measures=MEASURES, domain="Purchasing")
        assert decision.record["measures"] == MEASURES
        assert decision.record["domain"] == "Purchasing"
        plain = adopt(world, ops, title="Plain")
        assert plain.record["measures"] == [] and plain.record["domain"] is None

    def test_it_refuses_a_domain_the_circle_does_not_have(self, world, ops):
        with pytest.raises(Invalid) as exc:
            services.create_proposal(
                circle=ops, by=world.ana, title="T", body="B", domain="Marketing"
            )
        assert exc.value.field == "domain"
        assert not Proposal.objects.filter(title="T").exists()

    def test_the_measures_are_one_a_line_and_limited(self, world, ops):
        p = services.create_proposal(
            circle=ops, by=world.ana, title="T", body="B", measures="One\n\n  Two  \n"
        )
        assert p.measures == ["One", "Two"]
        with pytest.raises(Invalid) as exc:
            services.edit_draft(proposal=p, by=world.ana, title="T", body="B", measures=["x"] * 21)
        assert exc.value.field == "measures"
        services.edit_draft(proposal=p, by=world.ana, title="T", body="B", domain="Stock")
        p.refresh_from_db()
        assert p.domain == "Stock" and p.measures == ["One", "Two"]

    def test_the_entry_page_shows_them(self, client, world, ops):
        decision = adopt(world, ops, measures=MEASURES, domain="Purchasing")
        client.force_login(world.bo)
        page = client.get(decision.get_absolute_url()).content.decode()
        assert "Half our flour is local by June" in page and "Purchasing" in page


class TestPolicyBook:
    def test_it_groups_the_policies_in_force_by_domain_then_no_domain(self, client, world, ops):
        stock = _policy(world, ops, "Shelves", domain="Stock")
        buying = _policy(world, ops, "Suppliers", domain="Purchasing", review_in_days=10)
        loose = _policy(world, ops, "Keys", review_in_days=-3)
        old = _policy(world, ops, "Old suppliers", domain="Purchasing")
        record_decision(
            organization=world.org,
            kind=Decision.Kind.POLICY,
            circle=ops,
            title="Old suppliers, renewed",
            record={"measures": ["Two suppliers"], "domain": "Purchasing"},
            supersedes=old,
        )
        _policy(world, world.root, "Elsewhere", domain="Purchasing")
        client.force_login(world.bo)
        response = client.get("/o/acme/log/c/ops/policies/")
        assert response.status_code == 200
        groups = [(g["domain"], [d.title for d in g["policies"]]) for g in response.context["book"]]
        assert groups == [
            ("Purchasing", ["Suppliers", "Old suppliers, renewed"]),
            ("Stock", ["Shelves"]),
            (None, ["Keys"]),
        ]
        page = response.content.decode()
        assert "Old suppliers</a>" not in page and "Elsewhere" not in page
        statuses = {d.title: d.status for g in response.context["book"] for d in g["policies"]}
        assert statuses["Suppliers"] == "due" and statuses["Keys"] == "overdue"
        assert statuses["Shelves"] == "in_force"
        assert "review due" in page and "review overdue" in page and "Two suppliers" in page
        # The review action, for a member of the organization.
        assert f"amends={stock.sequence}" in page and f"amends={buying.sequence}" in page
        assert f"amends={loose.sequence}" in page

    def test_the_circle_page_links_to_it(self, client, world, ops):
        client.force_login(world.bo)
        page = client.get("/o/acme/c/ops/").content.decode()
        assert "/o/acme/log/c/ops/policies/" in page

    def test_an_outsider_sees_nothing(self, client, world, ops):
        client.force_login(world.outsider)
        assert client.get("/o/acme/log/c/ops/policies/").status_code == 404

    def test_the_api_lists_the_same_groups(self, client, world, ops):
        decision = adopt(world, ops, measures=MEASURES, domain="Stock")
        _policy(world, ops, "Keys", review_in_days=-3)
        client.force_login(world.bo)
        body = client.get("/api/v1/orgs/acme/circles/ops/policies").json()
        assert [g["domain"] for g in body] == ["Stock", None]
        first = body[0]["policies"][0]
        assert first["sequence"] == decision.sequence and first["measures"] == MEASURES
        assert first["status"] == "in_force" and first["domain"] == "Stock"
        assert body[1]["policies"][0]["status"] == "overdue"


class TestReview:
    def test_start_a_review_prefills_text_measures_and_domain(self, client, world, ops):
        decision = adopt(world, ops, measures=MEASURES, domain="Purchasing")
        client.force_login(world.bo)
        url = f"/o/acme/proposals/new/?circle=ops&amends={decision.sequence}"
        form = client.get(url)
        assert form.context["form"].initial["measures"] == "\n".join(MEASURES)
        assert form.context["form"].initial["domain"] == "Purchasing"
        page = form.content.decode()
        assert "We buy flour within 20 km." in page and "No baking day missed" in page
        assert '<option value="Purchasing" selected>' in page
        response = client.post(
            url,
            {
                "title": "Review: Local flour",
                "body": "We buy flour within 30 km.",
                "measures": "\n".join(MEASURES),
                "domain": "Purchasing",
            },
        )
        assert response.status_code == 302
        review = Proposal.objects.get(title="Review: Local flour")
        assert review.amends == decision and review.measures == MEASURES
        assert review.domain == "Purchasing"
        # The participants see the measures to evaluate on the proposal page
        # (and in the room: the same shared text fragment).
        detail = client.get(f"/o/acme/proposals/{review.pk}/").content.decode()
        assert "Measures to evaluate" in detail and "Half our flour is local by June" in detail

    def test_the_api_creates_with_measures_and_shows_the_measures_to_evaluate(
        self, client, world, ops
    ):
        decision = adopt(world, ops, measures=MEASURES, domain="Purchasing")
        client.force_login(world.bo)
        response = client.post(
            "/api/v1/orgs/acme/proposals",
            {
                "circle": "ops",
                "title": "Review",
                "body": "New text",
                "amends": decision.sequence,
                "measures": ["One new measure"],
                "domain": "Stock",
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["measures"] == ["One new measure"] and body["domain"] == "Stock"
        assert body["evaluate"] == MEASURES
