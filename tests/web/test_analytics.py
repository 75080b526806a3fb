"""Step events go to the optional sink, except when the browser or the player says no."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from passage.story import Story
from passage.web import create_app

from .conftest import KEY, Client, ListSink, first_page
from .journeys import path_to, seed_for, token_of


def _choice(page: str, number: int = 0) -> str:
    return str(re.findall(r'<a class="choice" href="([^"]+)"', page)[number])


def test_each_step_records_an_anonymous_event(recording_client: Client, sink: ListSink,
                                              story: Story) -> None:
    page = recording_client.get(first_page(recording_client)).text
    recording_client.get(_choice(page, 0))
    assert len(sink.events) == 1
    event = sink.events[0]
    assert (event.story_id, event.story_version, event.locale) == ("example", "1.0.0", "en")
    assert (event.scene, event.choice, event.arrived, event.step) == ("kitchen", "kitchen.choice-1",
                                                                     "call", 1)
    assert event.outcome is None and event.ending_class is None
    assert re.fullmatch(r"[0-9a-f]{16}", event.journey_id)
    assert event.hour.tzinfo is UTC and event.hour.minute == 0 and event.hour.second == 0
    assert event.hour <= datetime.now(UTC)


def test_chance_outcome_and_ending_are_recorded(recording_client: Client, sink: ListSink,
                                                story: Story) -> None:
    seed = seed_for(story, [0, 0, 0], "caught")
    river = token_of(story, path_to(story, [0, 0], seed))
    recording_client.get(f"/play/{river}/0")
    event = sink.events[-1]
    assert (event.scene, event.choice, event.outcome) == ("river-eve", None, "river-eve.outcome-2")
    assert (event.arrived, event.ending_class) == ("caught", "caught")


def test_do_not_track_and_global_privacy_control_are_honoured(recording_client: Client,
                                                              sink: ListSink) -> None:
    start = recording_client.get(first_page(recording_client)).text
    for headers in ({"DNT": "1"}, {"Sec-GPC": "1"}):
        page = recording_client.get(_choice(start), headers=headers)
        assert page.status_code == 200
        assert "Nothing about this journey is recorded" in page.text
    api = recording_client.post("/api/v1/journeys", json={"seed": 3}).json()
    recording_client.post(f"/api/v1/journeys/{api['token']}/choices", json={"choice": 0},
                          headers={"Sec-GPC": "1"})
    assert sink.events == []


def test_the_opt_out_flag_travels_with_the_links(recording_client: Client,
                                                 sink: ListSink) -> None:
    first = recording_client.get(first_page(recording_client)).text
    opt_out = re.search(r'href="([^"]+\?nostats=1)">Don\'t count my choices', html.unescape(first))
    assert opt_out is not None
    page = recording_client.get(opt_out.group(1)).text
    assert "You chose not to be counted." in page
    for _ in range(2):
        link = _choice(page)
        assert link.endswith("?nostats=1")
        page = recording_client.get(link).text
    assert sink.events == []
    assert 'href="/begin?nostats=1"' in page
    begin = recording_client.get("/begin?nostats=1")
    assert begin.headers["location"].endswith("?nostats=1")


def test_privacy_page_explains_and_offers_the_opt_out(recording_client: Client) -> None:
    page = html.unescape(recording_client.get("/privacy").text)
    assert "Do Not Track" in page and "Global Privacy Control" in page
    assert 'href="/begin?nostats=1"' in page
    assert "never stores your\nIP address" in page or "IP address" in page


def test_a_failing_sink_costs_the_event_not_the_page(story: Story) -> None:
    class Broken:
        def record(self, event: object) -> None:
            raise RuntimeError("disk full")

    client = Client(create_app(story, KEY, events=Broken()))
    page = client.get(first_page(client)).text
    assert client.get(_choice(page)).status_code == 200
