"""The flagship story through the web player: a whole journey, every waypoint on the map,
accessibility in real Chromium, and the screenshots the README shows."""

from __future__ import annotations

import re

import pytest

from passage.story import Story, compile_story
from passage.web import create_app
from passage.web.maps import load_basemap

from .browser import SCREENSHOTS, axe_violations, launch
from .conftest import KEY, ROOT, Client, LiveServer


@pytest.fixture(scope="module")
def flagship() -> Story:
    return compile_story(ROOT / "stories" / "escape")


def test_every_flagship_waypoint_is_on_the_base_map(flagship: Story) -> None:
    base = load_basemap()
    for key, waypoint in flagship.waypoints.items():
        x, y = base.project(waypoint.lon, waypoint.lat)
        assert 0 <= x <= base.width and 0 <= y <= base.height, key


def test_the_flagship_plays_in_the_web_player(flagship: Story) -> None:
    client = Client(create_app(flagship, KEY))
    assert client.get("/").status_code == 200
    assert client.get("/sources").status_code == 200
    url = client.get("/begin").headers["location"]
    for _ in range(200):
        page = client.get(url)
        assert page.status_code == 200
        links = re.findall(r'<a class="choice" href="([^"]+)"', page.text)
        if not links:
            assert "Where this journey ended" in page.text
            return
        url = links[0]
    raise AssertionError("no ending within 200 steps")


@pytest.mark.browser
def test_flagship_pages_are_accessible_and_photographed(flagship: Story) -> None:
    """The opening, a scene, a chance reveal and an ending of the flagship: no axe-core
    violations, and screenshots at 360 and 1280 px for the README."""
    with LiveServer(create_app(flagship, KEY)) as server:
        for browser in launch():
            for width in (360, 1280):
                context = browser.new_context(viewport={"width": width, "height": 900},
                                              reduced_motion="reduce")
                page = context.new_page()
                page.goto(server.url + "/begin?seed=7")
                shots = {"flagship-opening": page.url}
                for _ in range(200):
                    links = page.locator("a.choice")
                    if links.count() == 0:
                        break
                    if "reveal" not in shots and page.locator(".reveal").count():
                        shots["reveal"] = page.url
                    links.first.click()
                    page.wait_for_load_state()
                shots["flagship-ending"] = page.url
                for name, url in shots.items():
                    page.goto(url)
                    if name.startswith("flagship"):
                        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
                    assert axe_violations(page) == [], (name, width)
                context.close()
