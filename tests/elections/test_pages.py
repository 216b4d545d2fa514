"""The election page through every step, plain POST and htmx."""

from datetime import timedelta

from django.urls import reverse

from elections import services
from elections.models import Election, Nomination
from elections.steps import STEPS

from .conftest import nominate_all


def url(world, election, step=None):
    if step is None:
        return reverse("elections:election", kwargs={"org": world.org.slug, "pk": election.pk})
    return reverse(
        "elections:action",
        kwargs={"org": world.org.slug, "pk": election.pk, "step": STEPS[step].url},
    )


def post(client, world, election, step, data=None, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url(world, election, step), data or {}, **headers)


class TestElectionPages:
    def test_it_runs_a_selection_through_the_pages(self, client, world):
        client.force_login(world.fay)
        new = reverse("elections:new", kwargs={"org": world.org.slug})
        page = client.get(new + f"?role={world.roles['secretary'].pk}")
        assert page.status_code == 200
        response = client.post(new, {"role": world.roles["secretary"].pk})
        election = Election.objects.get()
        assert response.status_code == 302 and response.url == url(world, election)
        assert post(client, world, election, "start_nominating").status_code == 302
        # Each member nominates from the page (htmx for some).
        for i, member in enumerate(world.members):
            client.force_login(member)
            r = post(
                client,
                world,
                election,
                "nominate",
                {"nominee": world.ana.pk, "reason": f"Reason {i}"},
                htmx=i % 2 == 0,
            )
            assert r.status_code in (200, 302)
        assert Nomination.objects.filter(round=1).count() == 7
        client.force_login(world.fay)
        r = post(client, world, election, "show_nominations", htmx=True)
        assert 'id="election-grid"' in r.content.decode()
        assert "Reason 3" in r.content.decode()
        post(client, world, election, "start_proposing")
        term_end = (election.term_start + timedelta(days=200)).isoformat()
        r = post(
            client,
            world,
            election,
            "propose",
            {"nominee": world.ana.pk, "term_end": term_end, "reason": "Everyone named Ana."},
        )
        assert r.status_code == 302
        election.refresh_from_db()
        round_speakers = services.selectors.current_round(election).speakers
        by_id = {u.pk: u for u in world.members}
        for uid in round_speakers:
            client.force_login(by_id[uid])
            page = client.get(url(world, election)).content.decode()
            assert f'data-speaker="{uid}"' in page
            assert post(client, world, election, "answer", {"kind": "consent"}).status_code == 302
        client.force_login(world.fay)
        assert post(client, world, election, "elect").status_code == 302
        election.refresh_from_db()
        assert election.state == Election.State.ELECTED
        page = client.get(url(world, election)).content.decode()
        assert f"#{election.decision.sequence}" in page

    def test_a_refused_action_shows_a_message_and_changes_nothing(self, client, world, nominating):
        client.force_login(world.ana)
        r = post(client, world, nominating, "nominate", {"nominee": world.otto.pk, "reason": "x"})
        assert r.status_code == 400
        assert "is not a member of the circle" in r.content.decode()
        r = post(
            client,
            world,
            nominating,
            "nominate",
            {"nominee": world.otto.pk, "reason": "x"},
            htmx=True,
        )
        assert "There is a problem" in r.content.decode()
        assert not Nomination.objects.exists()

    def test_a_member_cannot_take_a_facilitator_step(self, client, world, nominating):
        nominate_all(world, nominating, {"ana": ("bo", "r")})
        client.force_login(world.ana)
        r = post(client, world, nominating, "show_nominations")
        assert r.status_code == 403
        nominating.refresh_from_db()
        assert nominating.nominations_shown is None

    def test_a_stranger_does_not_see_the_page(self, client, world, election):
        client.force_login(world.stranger)
        assert client.get(url(world, election)).status_code == 404
        client.logout()
        assert client.get(url(world, election)).status_code == 404

    def test_the_list_shows_terms_ending_with_a_start_action(self, client, world):
        from django.utils import timezone

        from circles import services as circle_services
        from circles.models import Role

        today = timezone.localdate()
        role = circle_services.create_role(circle=world.team, name="Treasurer", by=world.admin)
        circle_services.assign_role(
            role=role,
            user=world.cy,
            by=world.admin,
            term_start=today - timedelta(days=300),
            term_end=today + timedelta(days=20),
        )
        client.force_login(world.ana)
        page = client.get(reverse("elections:list", kwargs={"org": world.org.slug}))
        html = page.content.decode()
        assert "Treasurer" in html
        assert f"?role={role.pk}" in html
        assert Role.objects.filter(pk=role.pk).exists()
