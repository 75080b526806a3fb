""" "How others chose" in real Chromium: axe-core clean, no sideways scrolling, screenshots."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser

from passage.analytics.aggregates import StatsCache
from passage.analytics.connect import store_factory
from passage.analytics.sample import random_events
from passage.story import Story
from passage.web import create_app
from tests.analytics.helpers import NOW
from tests.web.browser import check_page, launch
from tests.web.conftest import KEY, LiveServer

pytestmark = pytest.mark.browser

_CHOICE = re.compile(r'<a class="choice" href="([^"]+)"')


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture(scope="module")
def server(example: Story, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("stats")
    store = store_factory(None, data)()
    store.write(random_events(example, 150, seed=9, now=NOW))
    store.close()
    stats = StatsCache(store_factory(None, data), background=False)
    stats.refresh()
    with LiveServer(create_app(example, KEY, stats=stats)) as live:
        yield live
    stats.close()


def _pages(url: str) -> dict[str, str]:
    """The page after a choice (how others chose there) and an ending (how journeys ended)."""
    with httpx.Client(base_url=url) as client:
        begin = client.get("/begin")
        page = client.get(begin.headers["location"]).text
        after = html.unescape(_CHOICE.findall(page)[0])
        ending, text = after, client.get(after).text
        while links := _CHOICE.findall(text):
            ending = html.unescape(links[-1])
            text = client.get(ending).text
    return {"others-after-choice": url + after, "others-at-ending": url + ending}


def test_how_others_chose_is_accessible_at_every_width(
    browser: Browser, server: LiveServer
) -> None:
    failures: dict[str, object] = {}
    for width in (360, 1280):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, reduced_motion="reduce"
        )
        page = context.new_page()
        for name, url in _pages(server.url).items():
            page.goto(url)
            assert page.get_by_text(re.compile("How others")).count() >= 1, name
            check_page(page, name, width, failures)
        context.close()
    assert failures == {}
