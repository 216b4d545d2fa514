"""Hidden nominations: invisible to other members through the page, the API
and every fragment until the facilitator shows them."""

from django.urls import reverse

from elections import services

from .conftest import nominate_all

SECRET = "Secret-reason-of-bo"
FRAGMENTS = ["election", "election-state", "election-you", "election-grid", "election-round",
             "election-record"]  # fmt: skip


def api(world, election, path=""):
    return f"/api/v1/orgs/{world.org.slug}/elections/{election.pk}{path}"


class TestHiddenNominations:
    def test_other_members_see_nothing_until_shown(self, client, world, nominating):
        nominate_all(world, nominating, {"bo": ("cy", SECRET)})
        page_url = reverse(
            "elections:election", kwargs={"org": world.org.slug, "pk": nominating.pk}
        )
        for viewer in (world.ana, world.leo, world.fay, world.otto, world.admin):
            client.force_login(viewer)
            html = client.get(page_url).content.decode()
            assert SECRET not in html
            assert "1 of 7 have nominated" in html
            for path in ("", "/nominations", "/grid", "/round", "/events"):
                body = client.get(api(world, nominating, path)).content.decode()
                assert SECRET not in body and f'"id": {world.cy.pk}, "name": "Cy"' not in body
            assert client.get(api(world, nominating, "/nominations")).json() == []
            assert client.get(api(world, nominating, "/grid")).status_code == 409
            # An htmx action answers with the fragment: it must not leak either.
            r = client.post(
                reverse("elections:action",
                        kwargs={"org": world.org.slug, "pk": nominating.pk, "step": "nominate"}),
                {"nominee": "", "reason": ""}, HTTP_HX_REQUEST="true",
            )  # fmt: skip
            assert SECRET not in r.content.decode()

    def test_every_fragment_hides_them(self, rf, world, nominating):
        from django.template.loader import render_to_string

        from elections.page import page_context

        nominate_all(world, nominating, {"bo": ("cy", SECRET)})
        request = rf.get("/")
        request.user = world.ana
        request.htmx = False
        nominating.refresh_from_db()
        context = page_context(world.ana, nominating)
        for name in FRAGMENTS:
            html = render_to_string(f"elections/election.html#{name}", context, request=request)
            assert SECRET not in html

    def test_the_author_sees_their_own(self, client, world, nominating):
        nominate_all(world, nominating, {"bo": ("cy", SECRET)})
        client.force_login(world.bo)
        page_url = reverse(
            "elections:election", kwargs={"org": world.org.slug, "pk": nominating.pk}
        )
        assert SECRET in client.get(page_url).content.decode()
        assert [n["reason"] for n in client.get(api(world, nominating, "/nominations")).json()] == [
            SECRET
        ]

    def test_everyone_sees_them_once_shown(self, client, world, nominating):
        nominate_all(world, nominating, {"bo": ("cy", SECRET)})
        services.show_nominations(election=nominating, by=world.fay)
        client.force_login(world.ana)
        page_url = reverse(
            "elections:election", kwargs={"org": world.org.slug, "pk": nominating.pk}
        )
        assert SECRET in client.get(page_url).content.decode()
        grid = client.get(api(world, nominating, "/grid")).json()
        assert grid["rows"][0]["reason"] == SECRET
        assert grid["counts"][0] == {"nominee": {"id": world.cy.pk, "name": "Cy"}, "first": 1,
                                     "final": 1}  # fmt: skip

    def test_a_cancelled_selection_keeps_them_hidden(self, client, world, nominating):
        nominate_all(world, nominating, {"bo": ("cy", SECRET)})
        services.cancel(election=nominating, by=world.fay, reason="Postponed.")
        client.force_login(world.ana)
        assert client.get(api(world, nominating, "/nominations")).json() == []
        page_url = reverse(
            "elections:election", kwargs={"org": world.org.slug, "pk": nominating.pk}
        )
        assert SECRET not in client.get(page_url).content.decode()
