"""Meetings through the JSON API: scheduling, the agenda, attendance, the
room's actions and the minutes, with a real token and a session; refusals
change nothing; an Idempotency-Key replay does nothing."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_api_token
from circles.models import Circle
from decisions.models import Decision
from decisions.services import verify_log
from proposals.models import Proposal
from realtime.models import AgendaItem, Attendance, Meeting

BASE = "/api/v1/orgs/acme/meetings"


class Api:
    """A client with a bearer token, as an integrator's script would be."""

    def __init__(self, user):
        _token, raw = create_api_token(user=user, name="script")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path):
        return self.client.get(BASE + path, **self.auth)

    def send(self, method, path, data=None, key=None):
        headers = dict(self.auth)
        if key:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return getattr(self.client, method)(
            BASE + path, data or {}, content_type="application/json", **headers
        )

    def post(self, path, data=None, key=None):
        return self.send("post", path, data, key)

    def put(self, path, data=None, key=None):
        return self.send("put", path, data, key)


@pytest.fixture
def api(people):
    return {n: Api(people[n]) for n in ("fac", "sec", "ana", "bo", "outsider")}


def _schedule(api, people, **extra):
    start = (timezone.now() + timedelta(hours=1)).isoformat()
    body = {"circle": people["circle"].slug, "title": "Weekly", "scheduled_start": start}
    body.update(extra)
    r = api["fac"].post("", body)
    assert r.status_code == 201, r.content
    return r.json()


class TestAMeetingEndToEnd:
    def test_the_facilitator_and_the_secretary_run_it_and_the_minutes_are_recorded(
        self, api, people
    ):
        proposal = Proposal.objects.create(
            circle=people["circle"], author=people["ana"], title="Budget"
        )
        m = _schedule(api, people, secretary=people["sec"].pk)
        mid = m["id"]
        assert m["state"] == "scheduled"
        assert m["facilitator"] == {"id": people["fac"].pk, "name": "Fay"}
        assert m["secretary"]["id"] == people["sec"].pk
        assert m["your_roles"] == ["facilitator", "secretary", "member"]

        r = api["fac"].post(f"/{mid}/items", {"kind": "report", "title": "News"})
        assert r.status_code == 201, r.content
        r = api["fac"].post(f"/{mid}/items", {"kind": "proposal", "proposal": proposal.pk})
        assert r.status_code == 201, r.content
        items = r.json()["items"]
        assert [(i["kind"], i["title"]) for i in items] == [
            ("report", "News"),
            ("proposal", "Budget"),
        ]
        news, budget = (i["id"] for i in items)
        r = api["fac"].post(f"/{mid}/items/{budget}/move", {"direction": "up"})
        assert [i["id"] for i in r.json()["items"]] == [budget, news]
        r = api["fac"].put(f"/{mid}/items/order", {"order": [news, budget]})
        assert [i["id"] for i in r.json()["items"]] == [news, budget]
        assert list(
            AgendaItem.objects.filter(meeting_id=mid).order_by("position").values_list("pk")
        ) == [(news,), (budget,)]

        r = api["fac"].post(f"/{mid}/open")
        assert r.status_code == 200, r.content
        assert r.json()["state"] == "open" and r.json()["current_item"] == news
        r = api["ana"].post(f"/{mid}/join")
        assert {p["id"] for p in r.json()["present"]} == {people["fac"].pk, people["ana"].pk}
        r = api["sec"].post(f"/{mid}/attendance", {"member": people["bo"].pk, "present": True})
        assert r.status_code == 200, r.content
        marked = Attendance.objects.get(meeting_id=mid, user=people["bo"])
        assert marked.marked_by == people["sec"]
        assert r.json()["attendance"][-1]["marked_by"]["id"] == people["sec"].pk

        r = api["fac"].post(f"/{mid}/timer", {"seconds": 300})
        assert r.status_code == 200 and r.json()["timer_ends"]
        r = api["sec"].put(f"/{mid}/items/{news}/notes", {"notes": "All went well."})
        assert r.status_code == 200, r.content
        assert AgendaItem.objects.get(pk=news).notes == "All went well."
        r = api["fac"].post(f"/{mid}/current-item", {"item": budget})
        assert r.json()["current_item"] == budget and r.json()["timer_ends"] is None
        assert AgendaItem.objects.get(pk=news).done is not None

        r = api["fac"].post(f"/{mid}/close", {"notes": "Next time: the roof."})
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["state"] == "closed" and body["minutes"]
        minutes = Decision.objects.get(organization=people["org"], sequence=body["minutes"])
        assert minutes.kind == Decision.Kind.MINUTES
        assert minutes.record["notes"] == "Next time: the roof."
        assert [i["notes"] for i in minutes.record["items"]] == ["All went well.", ""]
        assert {p["id"] for p in minutes.record["attendance"]} == {
            people["fac"].pk,
            people["ana"].pk,
            people["bo"].pk,
        }
        assert verify_log(organization_id=people["org"].pk).ok

        listed = api["bo"].get("").json()
        assert [(x["id"], x["state"], x["minutes"]) for x in listed] == [
            (mid, "closed", body["minutes"])
        ]
        assert api["bo"].get(f"?circle={people['circle'].slug}").json()[0]["id"] == mid

    def test_the_operations_are_in_the_document(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        ops = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
        assert {
            "list_meetings",
            "schedule_meeting",
            "get_meeting",
            "add_agenda_item",
            "reorder_agenda",
            "move_agenda_item",
            "save_item_notes",
            "mark_attendance",
            "join_meeting",
            "open_meeting",
            "set_current_item",
            "set_timer",
            "close_meeting",
            "remove_agenda_item",
        } <= ops


class TestRefusalsChangeNothing:
    def test_a_member_cannot_open_or_change_the_agenda(self, api, people):
        mid = _schedule(api, people)["id"]
        r = api["ana"].post(f"/{mid}/open")
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden" and r.json()["detail"]
        r = api["ana"].post(f"/{mid}/items", {"kind": "report", "title": "Mine"})
        assert r.status_code == 403
        meeting = Meeting.objects.get(pk=mid)
        assert meeting.state == "scheduled" and not meeting.items.exists()

    def test_a_member_cannot_write_notes_or_correct_attendance(self, api, people):
        mid = _schedule(api, people)["id"]
        item = api["fac"].post(f"/{mid}/items", {"kind": "other", "title": "X"}).json()["items"][0]
        api["fac"].post(f"/{mid}/open")
        assert api["ana"].put(f"/{mid}/items/{item['id']}/notes", {"notes": "x"}).status_code == 403
        r = api["ana"].post(f"/{mid}/attendance", {"member": people["bo"].pk, "present": True})
        assert r.status_code == 403
        assert AgendaItem.objects.get(pk=item["id"]).notes == ""
        assert not Attendance.objects.filter(meeting_id=mid, user=people["bo"]).exists()

    def test_another_organization_sees_nothing(self, api, people):
        mid = _schedule(api, people)["id"]
        assert api["outsider"].get("").status_code == 404
        r = api["outsider"].get(f"/{mid}")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
        assert api["outsider"].post(f"/{mid}/open").status_code == 404
        assert Meeting.objects.get(pk=mid).state == "scheduled"

    def test_a_timer_out_of_range_and_an_unknown_item_are_refused(self, api, people):
        mid = _schedule(api, people)["id"]
        api["fac"].post(f"/{mid}/open")
        r = api["fac"].post(f"/{mid}/timer", {"seconds": 99999})
        assert r.status_code == 400 and r.json()["code"] == "invalid"
        assert Meeting.objects.get(pk=mid).timer_ends is None
        r = api["fac"].post(f"/{mid}/current-item", {"item": 999999})
        assert r.status_code == 404

    def test_an_unknown_kind_names_the_field(self, api, people):
        mid = _schedule(api, people)["id"]
        r = api["fac"].post(f"/{mid}/items", {"kind": "party", "title": "X"})
        assert r.status_code == 422
        assert "kind" in r.json()["detail"]
        assert not AgendaItem.objects.filter(meeting_id=mid).exists()

    def test_a_proposal_of_another_organization_is_refused(self, api, people):
        other_root = Circle.objects.get(organization__slug="other", parent__isnull=True)
        foreign = Proposal.objects.create(circle=other_root, author=people["outsider"], title="F")
        mid = _schedule(api, people)["id"]
        r = api["fac"].post(f"/{mid}/items", {"kind": "proposal", "proposal": foreign.pk})
        assert r.status_code == 400 and "proposal" in r.json()["detail"].lower()
        assert not AgendaItem.objects.filter(meeting_id=mid).exists()

    def test_closing_a_scheduled_meeting_is_a_conflict(self, api, people):
        mid = _schedule(api, people)["id"]
        r = api["fac"].post(f"/{mid}/close", {})
        assert r.status_code == 409 and r.json()["code"] == "conflict"
        assert not Decision.objects.filter(kind=Decision.Kind.MINUTES).exists()

    def test_a_facilitator_from_outside_the_organization_is_refused(self, api, people):
        start = (timezone.now() + timedelta(hours=1)).isoformat()
        r = api["fac"].post(
            "",
            {
                "circle": people["circle"].slug,
                "title": "W",
                "scheduled_start": start,
                "facilitator": people["outsider"].pk,
            },
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid"
        assert not Meeting.objects.exists()


class TestIdempotency:
    def test_a_replayed_item_is_added_once(self, api, people):
        mid = _schedule(api, people)["id"]
        key = str(uuid.uuid4())
        for _ in range(2):
            r = api["fac"].post(f"/{mid}/items", {"kind": "report", "title": "News"}, key=key)
            assert r.status_code == 201
        assert AgendaItem.objects.filter(meeting_id=mid).count() == 1

    def test_a_replayed_open_and_close_answer_the_meeting_as_it_stands(self, api, people):
        mid = _schedule(api, people)["id"]
        key = str(uuid.uuid4())
        assert api["fac"].post(f"/{mid}/open", key=key).status_code == 200
        r = api["fac"].post(f"/{mid}/open", key=key)
        assert r.status_code == 200 and r.json()["state"] == "open"
        close_key = str(uuid.uuid4())
        assert api["fac"].post(f"/{mid}/close", key=close_key).status_code == 200
        r = api["fac"].post(f"/{mid}/close", key=close_key)
        assert r.status_code == 200 and r.json()["state"] == "closed"
        assert Decision.objects.filter(kind=Decision.Kind.MINUTES).count() == 1

    def test_a_refused_action_leaves_its_key_free(self, api, people):
        mid = _schedule(api, people)["id"]
        key = str(uuid.uuid4())
        assert api["fac"].post(f"/{mid}/timer", {"seconds": 60}, key=key).status_code == 409
        api["fac"].post(f"/{mid}/open")
        r = api["fac"].post(f"/{mid}/timer", {"seconds": 60}, key=key)
        assert r.status_code == 200 and r.json()["timer_ends"]


class TestRemovingAnItem:
    def test_the_facilitator_removes_an_item_before_it_runs(self, api, people):
        mid = _schedule(api, people)["id"]
        for title in ("A", "B", "C"):
            api["fac"].post(f"/{mid}/items", {"kind": "other", "title": title})
        _a, b, _c = AgendaItem.objects.filter(meeting_id=mid).order_by("position")
        key = str(uuid.uuid4())
        for _retry in range(2):  # the replay answers with the agenda as it stands
            r = api["fac"].send("delete", f"/{mid}/items/{b.pk}", key=key)
            assert r.status_code == 200, r.content
            assert [i["title"] for i in r.json()["items"]] == ["A", "C"]
        assert list(
            AgendaItem.objects.filter(meeting_id=mid)
            .order_by("position")
            .values_list("title", "position")
        ) == [("A", 1), ("C", 2)]

    def test_an_item_that_ran_stays(self, api, people):
        mid = _schedule(api, people)["id"]
        for title in ("A", "B"):
            api["fac"].post(f"/{mid}/items", {"kind": "other", "title": title})
        a, b = AgendaItem.objects.filter(meeting_id=mid).order_by("position")
        api["fac"].post(f"/{mid}/open")  # A is current
        r = api["fac"].send("delete", f"/{mid}/items/{a.pk}")
        assert r.status_code == 409 and r.json()["code"] == "conflict"
        api["fac"].post(f"/{mid}/current-item", {"item": b.pk})  # A is done
        r = api["fac"].send("delete", f"/{mid}/items/{a.pk}")
        assert r.status_code == 409
        assert AgendaItem.objects.filter(meeting_id=mid).count() == 2

    def test_a_member_cannot_remove_an_item(self, api, people):
        mid = _schedule(api, people)["id"]
        api["fac"].post(f"/{mid}/items", {"kind": "other", "title": "A"})
        item = AgendaItem.objects.get(meeting_id=mid)
        r = api["ana"].send("delete", f"/{mid}/items/{item.pk}")
        assert r.status_code == 403
        assert AgendaItem.objects.filter(pk=item.pk).exists()


class TestSchedulingWithAKey:
    def test_a_retried_schedule_makes_one_meeting(self, api, people):
        start = (timezone.now() + timedelta(hours=1)).isoformat()
        body = {"circle": people["circle"].slug, "title": "Weekly", "scheduled_start": start}
        key = str(uuid.uuid4())
        first = api["fac"].post("", body, key=key)
        again = api["fac"].post("", body, key=key)
        assert first.status_code == again.status_code == 201, again.content
        assert first.json()["id"] == again.json()["id"]
        assert Meeting.objects.filter(circle=people["circle"]).count() == 1

    def test_a_key_of_another_action_is_refused(self, api, people):
        mid = _schedule(api, people)["id"]
        key = str(uuid.uuid4())
        api["fac"].post(f"/{mid}/items", {"kind": "other", "title": "A"}, key=key)
        start = (timezone.now() + timedelta(hours=1)).isoformat()
        body = {"circle": people["circle"].slug, "title": "Other", "scheduled_start": start}
        r = api["fac"].post("", body, key=key)
        assert r.status_code == 409 and r.json()["code"] == "conflict"
        assert not Meeting.objects.filter(title="Other").exists()
