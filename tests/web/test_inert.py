"""A story full of markup and script renders inert on every page and in the API."""

from __future__ import annotations

import json
import re

import pytest

from passage.story import Story
from passage.web import create_app

from .conftest import KEY, Client
from .htmlcheck import audit


@pytest.fixture(scope="module")
def hostile(hostile_story: Story) -> Client:
    return Client(create_app(hostile_story, KEY))


def _journey(hostile: Client) -> list[str]:
    """Every page of one journey through the hostile story, from the landing page to the end."""
    pages = [hostile.get("/").text, hostile.get("/sources").text, hostile.get("/about").text,
             hostile.get("/privacy").text]
    url = hostile.get("/begin").headers["location"]
    for _ in range(10):
        page = hostile.get(url)
        assert page.status_code == 200
        pages.append(page.text)
        brief = hostile.get(url + "?brief=1")
        pages.append(brief.text)
        links = re.findall(r'<a class="choice" href="([^"]+)"', page.text)
        if not links:
            break
        url = links[0]
    return pages


def test_no_page_of_the_hostile_story_has_live_markup(hostile: Client) -> None:
    pages = _journey(hostile)
    assert any("Where this journey ended" in page for page in pages)
    for page in pages:
        found = audit(page)
        assert found.problems == [], found.problems
        assert len(found.scripts) == 1
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page  # shown as text, not dropped silently


def test_api_returns_text_for_clients_to_escape(hostile: Client) -> None:
    journey = hostile.post("/api/v1/journeys").json()
    for key in ("prose_html",):
        assert "<script>" not in journey["view"]["scene"][key]
    assert "<script>" not in json.dumps([f["html"] for f in journey["view"]["facts"]])
    assert "<script>" not in json.dumps([e["html"] for e in journey["view"]["explores"]])
    assert "<script>" not in json.dumps([c["text_html"] for c in journey["view"]["choices"]])
    chance = hostile.post(f"/api/v1/journeys/{journey['token']}/choices", json={"choice": 0}).json()
    assert chance["view"]["kind"] == "chance"
    assert "<script>" not in chance["view"]["choices"][0]["text_html"]
