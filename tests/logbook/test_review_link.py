"""Starting a review from a policy's permalink opens an amending proposal."""

from circles.models import Membership


class TestStartAReview:
    def test_the_permalink_links_to_a_working_prefilled_proposal_form(
        self, member_client, log, circles, alice
    ):
        policy = log["policy"]
        assert Membership.objects.filter(
            circle=circles["root"], user=alice, left__isnull=True
        ).exists()
        page = member_client.get(policy.get_absolute_url()).content.decode()
        assert f"?circle=acme&amp;amends={policy.sequence}" in page
        form = member_client.get(f"/o/acme/proposals/new/?circle=acme&amends={policy.sequence}")
        assert form.status_code == 200
        assert policy.title in form.content.decode()
