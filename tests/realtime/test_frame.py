"""The meeting's frame (issue #13): a meeting scheduled with the built-in
sociocratic frame runs its check-in, its consent to the agenda (an objection
amends it), its consent to the previous minutes, an item, and its closing
round, through the services and the room's views; the minutes' record holds
who said what. Refusals change nothing. Templates: saved from a meeting,
reused when scheduling, validated."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, Invalid, NotAllowed
from decisions.models import Decision
from decisions.services import verify_log
from proposals.models import Response, Round
from proposals.rounds import rounds_of
from realtime import frame, services
from realtime.models import AgendaItem, MeetingTemplate


def _schedule(people, template="frame", title="Weekly"):
    return services.schedule_meeting(
        circle=people["circle"],
        title=title,
        scheduled_start=timezone.now() + timedelta(hours=1),
        facilitator=people["fac"],
        secretary=people["sec"],
        by=people["fac"],
        template=template,
    )


def _kinds(meeting):
    return list(meeting.items.order_by("position").values_list("kind", flat=True))


def _closed_meeting(people):
    """A meeting of the circle held and closed: its minutes are 'last time'."""
    earlier = _schedule(people, template="none", title="Last time")
    services.add_item(meeting=earlier, kind="report", title="News", by=people["fac"])
    services.open_meeting(meeting=earlier, by=people["fac"])
    return services.close_meeting(meeting=earlier, by=people["fac"])


def _present(meeting, *users):
    for user in users:
        services.join(meeting=meeting, user=user)


def _answer(meeting, item, user, kind, text=""):
    return frame.answer(meeting=meeting, item=item, member=user, kind=kind, text=text, by=user)


def _consent_to_the_minutes(people, fay_ana_bo):
    """An open meeting after a closed one, its consent to the previous
    minutes current and its round started: (meeting, item, round)."""
    fay, ana, bo = fay_ana_bo
    _closed_meeting(people)
    meeting = _schedule(people)
    minutes = meeting.items.get(kind="minutes_consent")
    services.open_meeting(meeting=meeting, by=fay)
    _present(meeting, ana, bo)
    services.set_current_item(meeting=meeting, item=minutes, by=fay)
    return meeting, minutes, frame.start_round(meeting=meeting, item=minutes, by=fay)


@pytest.fixture
def fay_ana_bo(people):
    return [people["fac"], people["ana"], people["bo"]]


class TestLayout:
    def test_the_frame_is_laid_out_without_previous_minutes(self, people):
        meeting = _schedule(people)
        assert _kinds(meeting) == ["opening", "agenda_consent", "closing"]

    def test_with_previous_minutes_it_asks_consent_to_them(self, people):
        last = _closed_meeting(people)
        meeting = _schedule(people)
        assert _kinds(meeting) == ["opening", "agenda_consent", "minutes_consent", "closing"]
        item = meeting.items.get(kind="minutes_consent")
        assert item.minutes_of == last.minutes

    def test_items_added_later_go_before_the_closing_round(self, people):
        meeting = _schedule(people)
        services.add_item(meeting=meeting, kind="report", title="News", by=people["fac"])
        services.add_item(meeting=meeting, kind="other", title="Lunch", by=people["fac"])
        assert list(meeting.items.order_by("position").values_list("title", flat=True))[-3:] == [
            "News",
            "Lunch",
            "Closing round (evaluation)",
        ]

    def test_without_a_template_the_agenda_is_empty(self, people):
        assert _kinds(_schedule(people, template=None)) == []
        assert _kinds(_schedule(people, template="none")) == []

    def test_another_circles_template_is_refused(self, people, world):
        other = MeetingTemplate.objects.create(
            circle=world.root,
            name="Root's",
            items=[{"kind": "opening", "title": "Hi"}],
            created_by=world.admin,
        )
        with pytest.raises(Invalid):
            _schedule(people, template=str(other.pk))
        assert not people["circle"].meetings.exists()


class TestAFramedMeeting:
    def test_check_in_agenda_minutes_item_and_closing_are_in_the_minutes(self, people, fay_ana_bo):
        fay, ana, bo = fay_ana_bo
        last = _closed_meeting(people)
        meeting = _schedule(people)
        news = services.add_item(meeting=meeting, kind="report", title="News", by=fay)
        lunch = services.add_item(meeting=meeting, kind="other", title="Lunch", by=fay)
        opening, agenda, minutes, *_rest, closing = meeting.items.order_by("position")
        services.open_meeting(meeting=meeting, by=fay)
        _present(meeting, ana, bo)
        meeting.refresh_from_db()
        assert meeting.current_item == opening

        # Check-in: in turn, seat order of those present; a word or a pass.
        round_ = frame.start_round(meeting=meeting, item=opening, by=fay)
        assert round_.kind == Round.Kind.REACTION and round_.subject == opening
        order = round_.speakers
        assert set(order) == {fay.pk, ana.pk, bo.pk}
        by_id = {u.pk: u for u in fay_ana_bo}
        words = {fay.pk: "Glad to be here.", ana.pk: "", bo.pk: "Tired but here."}
        for uid in order:
            kind = Response.Kind.PASS if uid == ana.pk else Response.Kind.REACTION
            _answer(meeting, opening, by_id[uid], kind, words[uid])
        frame.close_round(meeting=meeting, item=opening, by=fay)

        # The agenda: Bo objects, Lunch moves before News, everyone consents.
        services.set_current_item(meeting=meeting, item=agenda, by=fay)
        first = frame.start_round(meeting=meeting, item=agenda, by=fay)
        for uid in first.speakers:
            if uid == bo.pk:
                _answer(meeting, agenda, bo, "object", "Lunch first, people leave early.")
            else:
                _answer(meeting, agenda, by_id[uid], "consent")
        frame.close_round(meeting=meeting, item=agenda, by=fay)
        order_now = list(meeting.items.order_by("position").values_list("pk", flat=True))
        i = order_now.index(lunch.pk)
        order_now[i - 1], order_now[i] = order_now[i], order_now[i - 1]
        services.reorder_items(meeting=meeting, order=order_now, by=fay)
        second = frame.start_round(meeting=meeting, item=agenda, by=fay)
        for uid in second.speakers:
            _answer(meeting, agenda, by_id[uid], "consent")
        frame.close_round(meeting=meeting, item=agenda, by=fay)

        # The minutes of last time: consented.
        services.set_current_item(meeting=meeting, item=minutes, by=fay)
        third = frame.start_round(meeting=meeting, item=minutes, by=fay)
        for uid in third.speakers:
            _answer(meeting, minutes, by_id[uid], "consent")
        frame.close_round(meeting=meeting, item=minutes, by=fay)

        # The items, then the closing round.
        services.set_current_item(meeting=meeting, item=lunch, by=fay)
        services.set_current_item(meeting=meeting, item=news, by=fay)
        services.set_current_item(meeting=meeting, item=closing, by=fay)
        closing_round = frame.start_round(meeting=meeting, item=closing, by=fay)
        for uid in closing_round.speakers:
            _answer(meeting, closing, by_id[uid], "reaction", f"Good meeting ({uid}).")
        meeting = services.close_meeting(meeting=meeting, by=fay)

        record = meeting.minutes.record
        items = {i["kind"]: i for i in record["items"]}
        assert [i["title"] for i in record["items"]] == [
            "Opening round (check-in)",
            "Consent to the agenda",
            "Consent to the minutes of last time",
            "Lunch",
            "News",
            "Closing round (evaluation)",
        ]
        check_in = items["opening"]
        assert check_in["outcome"] == "noted"
        said = {a["member"]["id"]: (a["kind"], a["text"]) for a in check_in["rounds"][0]["answers"]}
        assert said == {
            fay.pk: ("reaction", "Glad to be here."),
            ana.pk: ("pass", ""),
            bo.pk: ("reaction", "Tired but here."),
        }
        consent = items["agenda_consent"]
        assert consent["outcome"] == "consented"
        assert [r["consented"] for r in consent["rounds"]] == [False, True]
        assert consent["rounds"][0]["agenda"].index("News") < consent["rounds"][0]["agenda"].index(
            "Lunch"
        )
        assert consent["rounds"][1]["agenda"].index("Lunch") < consent["rounds"][1]["agenda"].index(
            "News"
        )
        objection = [a for a in consent["rounds"][0]["answers"] if a["kind"] == "object"]
        assert objection == [
            {
                "member": {"id": bo.pk, "name": bo.name},
                "kind": "object",
                "text": "Lunch first, people leave early.",
            }
        ]
        previous = items["minutes_consent"]
        assert previous["outcome"] == "consented"
        assert previous["minutes_of"] == {
            "sequence": last.minutes.sequence,
            "hash": last.minutes.hash,
        }
        closing_said = items["closing"]["rounds"][0]["answers"]
        assert {a["text"] for a in closing_said} == {f"Good meeting ({u.pk})." for u in fay_ana_bo}
        assert items["closing"]["rounds"][0]["closed"]  # closed with the meeting
        assert AgendaItem.objects.get(pk=agenda.pk).outcome == "consented"
        assert "Consent to the agenda — Consented" in meeting.minutes.body
        assert verify_log(organization_id=people["org"].pk).ok

    def test_an_objection_to_the_minutes_is_noted(self, people, fay_ana_bo):
        fay, ana, _bo = fay_ana_bo
        meeting, minutes, round_ = _consent_to_the_minutes(people, fay_ana_bo)
        by_id = {u.pk: u for u in fay_ana_bo}
        for uid in round_.speakers:
            if uid == ana.pk:
                _answer(meeting, minutes, ana, "object", "My report is missing.")
            else:
                _answer(meeting, minutes, by_id[uid], "consent")
        frame.close_round(meeting=meeting, item=minutes, by=fay)
        meeting = services.close_meeting(meeting=meeting, by=fay)
        entry = next(i for i in meeting.minutes.record["items"] if i["kind"] == "minutes_consent")
        assert entry["outcome"] == "noted"
        assert [
            (a["member"]["id"], a["text"])
            for a in entry["rounds"][0]["answers"]
            if a["kind"] == "object"
        ] == [(ana.pk, "My report is missing.")]
        not_held = next(i for i in meeting.minutes.record["items"] if i["kind"] == "closing")
        assert not_held["outcome"] == "skipped" and not_held["rounds"] == []


class TestRefusals:
    @pytest.fixture
    def running(self, people, fay_ana_bo):
        fay, ana, bo = fay_ana_bo
        meeting = _schedule(people)
        services.open_meeting(meeting=meeting, by=fay)
        _present(meeting, ana, bo)
        opening = meeting.items.get(kind="opening")
        round_ = frame.start_round(meeting=meeting, item=opening, by=fay)
        return meeting, opening, round_

    def test_a_member_not_present_cannot_answer(self, running, people):
        meeting, opening, round_ = running
        cy = people["circle"].memberships.get(user__email="cy@example.org").user
        with pytest.raises(NotAllowed):
            _answer(meeting, opening, cy, "reaction", "Hello")
        assert not Response.objects.filter(round=round_).exists()

    def test_a_member_who_left_cannot_answer(self, running, people):
        meeting, opening, round_ = running
        first = round_.speakers[0]
        user = next(u for u in (people["fac"], people["ana"], people["bo"]) if u.pk == first)
        services.mark_attendance(meeting=meeting, user=user, present=False, by=people["fac"])
        with pytest.raises(NotAllowed):
            _answer(meeting, opening, user, "reaction", "Hello")
        assert not Response.objects.filter(round=round_).exists()

    def test_a_round_is_answered_once(self, running, people):
        meeting, opening, round_ = running
        users = {u.pk: u for u in (people["fac"], people["ana"], people["bo"])}
        first = users[round_.speakers[0]]
        _answer(meeting, opening, first, "reaction", "Hello")
        with pytest.raises(Conflict):
            _answer(meeting, opening, first, "reaction", "Hello again")
        assert Response.objects.filter(round=round_, member=first).count() == 1

    def test_out_of_turn_is_refused(self, running, people):
        meeting, opening, round_ = running
        users = {u.pk: u for u in (people["fac"], people["ana"], people["bo"])}
        with pytest.raises(Conflict):
            _answer(meeting, opening, users[round_.speakers[1]], "reaction", "Me first")
        assert not Response.objects.filter(round=round_).exists()

    def test_a_consent_is_not_an_answer_of_a_check_in(self, running, people):
        meeting, opening, round_ = running
        users = {u.pk: u for u in (people["fac"], people["ana"], people["bo"])}
        with pytest.raises(Invalid):
            _answer(meeting, opening, users[round_.speakers[0]], "consent")
        assert not Response.objects.filter(round=round_).exists()

    def test_an_objection_needs_a_reason_and_passing_is_no_consent(self, people, fay_ana_bo):
        fay = fay_ana_bo[0]
        meeting = _schedule(people)
        services.open_meeting(meeting=meeting, by=fay)
        agenda = meeting.items.get(kind="agenda_consent")
        services.set_current_item(meeting=meeting, item=agenda, by=fay)
        round_ = frame.start_round(meeting=meeting, item=agenda, by=fay)
        assert round_.speakers == [fay.pk]  # only Fay is present
        with pytest.raises(Invalid):
            _answer(meeting, agenda, fay, "object", "")
        with pytest.raises(Invalid):
            _answer(meeting, agenda, fay, "pass")
        assert not Response.objects.filter(round=round_).exists()

    def test_only_the_facilitator_starts_and_closes(self, running, people):
        meeting, opening, round_ = running
        with pytest.raises(NotAllowed):
            frame.close_round(meeting=meeting, item=opening, by=people["ana"])
        round_.refresh_from_db()
        assert round_.closed is None

    def test_a_round_runs_on_the_current_item_only(self, running, people):
        meeting, _opening, _round = running
        closing = meeting.items.get(kind="closing")
        with pytest.raises(Conflict):
            frame.start_round(meeting=meeting, item=closing, by=people["fac"])
        assert not rounds_of(closing).exists()

    def test_someone_else_answers_only_as_the_secretary(self, running, people):
        meeting, opening, round_ = running
        users = {u.pk: u for u in (people["fac"], people["ana"], people["bo"])}
        first = users[round_.speakers[0]]
        other = next(u for u in users.values() if u.pk != first.pk and u != people["fac"])
        with pytest.raises(NotAllowed):
            frame.answer(meeting=meeting, item=opening, member=first, kind="pass", by=other)
        assert not Response.objects.filter(round=round_).exists()


class TestTheRoom:
    def test_the_shared_fragment_and_the_members_part_follow_the_round(
        self, client, people, fay_ana_bo
    ):
        fay, ana, bo = fay_ana_bo
        meeting = _schedule(people)
        services.open_meeting(meeting=meeting, by=fay)
        _present(meeting, ana, bo)
        opening = meeting.items.get(kind="opening")
        org = people["org"].slug
        client.force_login(fay)
        me = client.get(reverse("realtime:me", args=[org, meeting.pk])).content.decode()
        assert "Start the round" in me and 'id="frame-mine"' in me
        url = reverse("realtime:frame", args=[org, meeting.pk, opening.pk, "start"])
        r = client.post(url, {"idempotency_key": ""}, HTTP_HX_REQUEST="true")
        assert r.status_code == 200
        page = r.content.decode()
        assert 'id="room-item"' in page and "0 of 3 have answered" in page
        round_ = rounds_of(opening).get()
        first = {u.pk: u for u in fay_ana_bo}[round_.speakers[0]]
        client.force_login(first)
        answer = reverse("realtime:frame", args=[org, meeting.pk, opening.pk, "answer"])
        r = client.post(
            answer,
            {"kind": "reaction", "text": "Happy to be here", "idempotency_key": ""},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="frame-mine",
        )
        assert r.status_code == 200
        assert "Your answer is recorded" in r.content.decode()
        response = Response.objects.get(round=round_)
        assert (response.member, response.text) == (first, "Happy to be here")
        room = client.get(reverse("realtime:room", args=[org, meeting.pk])).content.decode()
        assert "1 of 3 have answered" in room and "Happy to be here" in room
        # A second answer from the same person is refused, in the room's alert.
        r = client.post(answer, {"kind": "reaction", "text": "Again"}, HTTP_HX_REQUEST="true")
        assert r.status_code == 409 and 'id="room-alert"' in r.content.decode()
        assert Response.objects.filter(round=round_).count() == 1

    def test_changing_an_objection_to_the_minutes_starts_from_it(self, client, people, fay_ana_bo):
        """The change form showed "I consent" and an empty reason after an
        objection; a first answer to a consent round starts on no stance."""
        meeting, minutes, round_ = _consent_to_the_minutes(people, fay_ana_bo)
        first = {u.pk: u for u in fay_ana_bo}[round_.speakers[0]]
        me = reverse("realtime:me", args=[people["org"].slug, meeting.pk])
        client.force_login(first)
        html = client.get(me).content.decode()
        assert 'name="kind" value="consent" required>' in html
        assert " checked" not in html[html.index("frame-answer-form") :]
        _answer(meeting, minutes, first, "object", "My report is missing.")
        html = client.get(me).content.decode()
        assert 'name="kind" value="object" required checked>' in html
        assert 'maxlength="5000">My report is missing.</textarea>' in html

    def test_a_watcher_who_is_not_present_has_no_answer_form(self, client, people, fay_ana_bo):
        fay, _ana, _bo = fay_ana_bo
        meeting = _schedule(people)
        services.open_meeting(meeting=meeting, by=fay)
        opening = meeting.items.get(kind="opening")
        frame.start_round(meeting=meeting, item=opening, by=fay)
        client.force_login(people["bo"])
        me = client.get(
            reverse("realtime:me", args=[people["org"].slug, meeting.pk])
        ).content.decode()
        assert "frame-answer-form" not in me


class TestTemplates:
    def test_a_meetings_frame_is_saved_and_reused(self, people):
        fay = people["fac"]
        meeting = _schedule(people)
        services.add_item(meeting=meeting, kind="report", title="Treasurer's report", by=fay)
        template = frame.save_template(meeting=meeting, name="Ours", by=fay)
        assert template.items == [
            {"kind": "opening", "title": "Opening round (check-in)"},
            {"kind": "agenda_consent", "title": "Consent to the agenda"},
            {"kind": "report", "title": "Treasurer's report"},
            {"kind": "closing", "title": "Closing round (evaluation)"},
        ]
        again = _schedule(people, template=str(template.pk))
        assert list(again.items.order_by("position").values_list("title", flat=True)) == [
            i["title"] for i in template.items
        ]

    def test_bad_items_and_names_are_refused(self, people):
        fay = people["fac"]
        for items in ([], [{"kind": "proposal", "title": "X"}], [{"kind": "opening"}], "x"):
            with pytest.raises(Invalid):
                frame.create_template(circle=people["circle"], name="T", items=items, by=fay)
        frame.create_template(
            circle=people["circle"], name="T", items=[{"kind": "other", "title": "X"}], by=fay
        )
        with pytest.raises(Conflict):
            frame.create_template(
                circle=people["circle"], name="T", items=[{"kind": "other", "title": "Y"}], by=fay
            )
        with pytest.raises(NotAllowed):
            frame.create_template(
                circle=people["circle"],
                name="Mine",
                items=[{"kind": "other", "title": "Y"}],
                by=people["ana"],
            )
        assert MeetingTemplate.objects.count() == 1

    def test_the_schedule_form_offers_the_frame_by_default(self, client, people):
        client.force_login(people["fac"])
        org = people["org"].slug
        url = reverse("realtime:new", args=[org]) + f"?circle={people['circle'].slug}"
        page = client.get(url).content.decode()
        assert '<option value="frame" selected>Sociocratic frame</option>' in page
        start = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        r = client.post(
            url,
            {
                "title": "Framed",
                "scheduled_start": start,
                "facilitator": people["fac"].pk,
                "template": "frame",
            },
        )
        assert r.status_code == 302
        meeting = people["circle"].meetings.get(title="Framed")
        assert _kinds(meeting) == ["opening", "agenda_consent", "closing"]

    def test_the_templates_page_lists_and_deletes(self, client, people):
        fay = people["fac"]
        frame.create_template(
            circle=people["circle"], name="Short", items=[{"kind": "other", "title": "X"}], by=fay
        )
        client.force_login(fay)
        url = reverse("realtime:templates", args=[people["org"].slug]) + "?circle=ops"
        page = client.get(url).content.decode()
        assert "Sociocratic frame" in page and "Short" in page
        template = MeetingTemplate.objects.get()
        client.force_login(people["ana"])
        assert client.post(url, {"template": template.pk}).status_code == 404
        client.force_login(fay)
        client.post(url, {"template": template.pk})
        assert not MeetingTemplate.objects.exists()


def test_minutes_entry_page_shows_the_frame(client, people, fay_ana_bo):
    fay, ana, _bo = fay_ana_bo
    meeting = _schedule(people)
    services.open_meeting(meeting=meeting, by=fay)
    opening = meeting.items.get(kind="opening")
    round_ = frame.start_round(meeting=meeting, item=opening, by=fay)
    _answer(meeting, opening, fay, "reaction", "Fresh start.")
    assert round_.speakers == [fay.pk]
    meeting = services.close_meeting(meeting=meeting, by=fay)
    client.force_login(ana)
    page = client.get(meeting.minutes.get_absolute_url()).content.decode()
    assert "Fresh start." in page
    assert Decision.objects.filter(kind=Decision.Kind.MINUTES).count() == 1


def test_the_minutes_pdf_holds_the_frames_rounds(client, people, fay_ana_bo):
    import io

    from pypdf import PdfReader

    fay, ana, _bo = fay_ana_bo
    meeting = _schedule(people)
    services.open_meeting(meeting=meeting, by=fay)
    opening = meeting.items.get(kind="opening")
    frame.start_round(meeting=meeting, item=opening, by=fay)
    _answer(meeting, opening, fay, "reaction", "Rested and ready.")
    meeting = services.close_meeting(meeting=meeting, by=fay)
    client.force_login(ana)
    pdf = client.get(
        reverse("logbook:pdf", kwargs={"org": "acme", "seq": meeting.minutes.sequence})
    ).content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Opening round (check-in)" in text
    assert "Rested and ready." in text


class TestTheApi:
    BASE = "/api/v1/orgs/acme"

    def _post(self, client, path, body=None, key=None):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return client.post(self.BASE + path, body or {}, content_type="application/json", **headers)

    def test_a_framed_meeting_and_its_templates_through_the_api(self, client, people):
        import uuid

        fay, ana = people["fac"], people["ana"]
        client.force_login(fay)
        start = (timezone.now() + timedelta(hours=1)).isoformat()
        r = self._post(
            client,
            "/meetings",
            {"circle": "ops", "title": "Framed", "scheduled_start": start, "template": "frame"},
        )
        assert r.status_code == 201, r.content
        m = r.json()
        assert [i["kind"] for i in m["items"]] == ["opening", "agenda_consent", "closing"]
        r = self._post(
            client, "/meetings", {"circle": "ops", "title": "Bare", "scheduled_start": start}
        )
        assert r.json()["items"] == []
        r = self._post(
            client,
            "/meetings",
            {"circle": "ops", "title": "Bad", "scheduled_start": start, "template": "999"},
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid"
        assert not people["circle"].meetings.filter(title="Bad").exists()

        mid, opening = m["id"], m["items"][0]["id"]
        self._post(client, f"/meetings/{mid}/open")
        r = self._post(client, f"/meetings/{mid}/items/{opening}/round/start")
        assert r.status_code == 200, r.content
        [round_] = r.json()["items"][0]["rounds"]
        assert round_["speakers"] == [fay.pk] and round_["current_speaker"] == fay.pk
        key = str(uuid.uuid4())
        for _twice in range(2):  # a replay answers once
            r = self._post(
                client,
                f"/meetings/{mid}/items/{opening}/round/answer",
                {"kind": "reaction", "text": "Here."},
                key=key,
            )
            assert r.status_code == 200, r.content
        answers = r.json()["items"][0]["rounds"][0]["answers"]
        assert [(a["member"]["id"], a["text"]) for a in answers] == [(fay.pk, "Here.")]
        client.force_login(ana)  # not present: refused, nothing recorded
        r = self._post(client, f"/meetings/{mid}/items/{opening}/round/answer", {"kind": "pass"})
        assert r.status_code == 403
        assert Response.objects.filter(round__pk=round_["id"]).count() == 1

        client.force_login(fay)
        r = self._post(client, f"/meetings/{mid}/template", {"name": "Ours"})
        assert r.status_code == 201, r.content
        assert [i["kind"] for i in r.json()["items"]] == ["opening", "agenda_consent", "closing"]
        r = client.get(self.BASE + "/circles/ops/meeting-templates")
        assert [(t["name"], t["built_in"]) for t in r.json()] == [
            ("Sociocratic frame", True),
            ("Ours", False),
        ]
        r = self._post(
            client,
            "/circles/ops/meeting-templates",
            {"name": "Short", "items": [{"kind": "other", "title": "News"}]},
        )
        assert r.status_code == 201, r.content
        short = r.json()["id"]
        r = client.delete(self.BASE + f"/circles/ops/meeting-templates/{short}")
        assert r.status_code == 204
        assert list(MeetingTemplate.objects.values_list("name", flat=True)) == ["Ours"]
