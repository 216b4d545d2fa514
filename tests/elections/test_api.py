"""A whole selection through the API, as a facilitator and the members of Ops would."""

from datetime import timedelta

from decisions.services import verify_log
from elections.models import Election


def call(client, user, world, path, data=None):
    client.force_login(user)
    base = f"/api/v1/orgs/{world.org.slug}/elections"
    if data is None:
        return client.get(base + path)
    return client.post(base + path, data, content_type="application/json")


class TestSelectionThroughTheApi:
    def test_it_runs_end_to_end(self, client, world):
        fay = world.fay
        r = call(client, fay, world, "", {"role": world.roles["secretary"].pk})
        assert r.status_code == 201, r.content
        eid = r.json()["id"]
        p = f"/{eid}"
        assert "start_nominating" in r.json()["allowed_steps"]
        assert call(client, fay, world, p + "/start-nominating", {}).json()["state"] == "nominating"
        for m in world.members:
            r = call(client, m, world, p + "/nominate", {"nominee": world.cy.pk, "reason": "Cy!"})
            assert r.status_code == 200, r.content
        r = call(client, world.ana, world, p + "/nominate", {"nominee": world.bo.pk, "reason": "x"})
        assert r.status_code == 409
        assert call(client, fay, world, p + "/show-nominations", {}).status_code == 200
        assert call(client, fay, world, p + "/show-nominations", {}).status_code == 409
        grid = call(client, world.ana, world, p + "/grid").json()
        assert grid["counts"] == [
            {"nominee": {"id": world.cy.pk, "name": "Cy"}, "first": 7, "final": 7}
        ]
        call(client, fay, world, p + "/start-proposing", {})
        term_end = (Election.objects.get(pk=eid).term_start + timedelta(days=300)).isoformat()
        r = call(
            client,
            fay,
            world,
            p + "/propose",
            {"nominee": world.cy.pk, "term_end": term_end, "reason": "Unanimous."},
        )
        assert r.json()["state"] == "consent"
        round_ = call(client, world.ana, world, p + "/round").json()
        assert round_["speakers"][-1]["member"]["id"] == world.cy.pk
        by_id = {m.pk: m for m in world.members}
        first = by_id[round_["speakers"][0]["member"]["id"]]
        old_body = {"position": "consent", "reason": ""}  # the first release's fields
        r = call(client, first, world, p + "/answer", old_body)
        assert (r.status_code, r.json()["field"]) == (400, "kind"), r.content
        assert call(client, first, world, p + "/round").json()["answered"] == 0
        for s in round_["speakers"]:
            r = call(client, by_id[s["member"]["id"]], world, p + "/answer", {"kind": "consent"})
            assert r.status_code == 200, r.content
        r = call(client, fay, world, p + "/elect", {})
        assert r.json()["state"] == "elected" and r.json()["decision"]
        assert verify_log(organization_id=world.org.pk).ok
        events = call(client, world.bo, world, p + "/events").json()
        assert events[-1]["action"] == "elect"
        schema = client.get("/api/v1/openapi.json").json()
        ops = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
        assert {
            "nominate",
            "show_nominations",
            "propose_nominee",
            "answer_consent_round",
            "elect",
            "get_election_grid",
            "record_parent_response",
        } <= ops
