"""Real Chromium against a live server: playthroughs (mouse, keyboard, JS off), back and
reload, tampered tokens, axe-core on every page type, same-origin requests, screenshots."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, Request

from passage.story import Story
from passage.web import create_app

from .browser import check_page, launch
from .conftest import KEY, LiveServer
from .journeys import path_to, seed_for, token_of

pytestmark = pytest.mark.browser


@dataclass
class Watch:
    """Everything a page asked for, and anything it complained about."""

    origin: str
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self._request)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(str(error.error)))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _console(self, message: ConsoleMessage) -> None:
        expected = "the server responded with a status of 4"  # our own 400/404 pages
        if message.type == "error" and expected not in message.text:
            self.problems.append(message.text)

    def foreign(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.origin + "/")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def watch(live_server: LiveServer) -> Watch:
    return Watch(live_server.url)


def _context(browser: Browser, watch: Watch, width: int = 1280, js: bool = True) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=js, reduced_motion="reduce")
    watch.attach(context)
    return context


@pytest.fixture
def page(browser: Browser, watch: Watch) -> Iterator[Page]:
    context = _context(browser, watch)
    yield context.new_page()
    context.close()
    assert watch.foreign() == []
    assert watch.problems == []


def _follow(page: Page, act: Callable[[], None]) -> None:
    """Do ``act`` and wait until the browser is on the next page."""
    before = page.url
    act()
    page.wait_for_url(lambda url: url != before)


def _play_to_the_end(page: Page) -> list[str]:
    titles = []
    for _ in range(40):
        titles.append(page.locator("h1").inner_text())
        if page.locator(".debrief").count():
            return titles
        _follow(page, page.locator("a.choice").first.click)
    raise AssertionError(f"no ending after {titles}")


def test_full_playthrough_by_clicking(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Begin").click()
    titles = _play_to_the_end(page)
    assert titles[0] == "The kitchen"
    assert page.get_by_role("heading", name="What the record says").is_visible()
    assert page.locator("figure.map polyline.trail").count() == 1
    page.get_by_role("link", name="Start again").click()
    assert page.locator("h1").inner_text() == "The kitchen"


def test_playthrough_with_javascript_disabled(browser: Browser, watch: Watch,
                                              live_server: LiveServer) -> None:
    context = _context(browser, watch, js=False)
    page = context.new_page()
    page.goto(live_server.url + "/begin")
    assert page.locator("button.read-aloud").count() == 0  # only JavaScript adds it
    fact = page.locator("details.fact").first
    fact.locator("summary").click()  # disclosures are native HTML
    assert fact.get_attribute("open") is not None
    assert page.locator("details.fact .cites a").first.is_visible()
    _play_to_the_end(page)
    assert page.locator(".debrief").is_visible()
    context.close()
    assert watch.foreign() == [] and watch.problems == []


def test_back_button_is_the_rewind_and_reload_is_safe(page: Page,
                                                      live_server: LiveServer) -> None:
    page.goto(live_server.url + "/begin")
    first_url, first_html = page.url, page.locator("main").inner_html()
    page.locator("a.choice").nth(1).click()  # leave the phone: waiting
    page.wait_for_url(lambda url: url != first_url)
    second_url, second_html = page.url, page.locator("main").inner_html()
    assert page.locator("h1").inner_text() == "Waiting"
    page.reload()
    assert page.locator("main").inner_html() == second_html
    page.go_back()
    assert page.url == first_url and page.locator("main").inner_html() == first_html
    page.reload()
    assert page.locator("main").inner_html() == first_html
    page.go_forward()
    assert page.url == second_url and page.locator("main").inner_html() == second_html


def test_a_tampered_token_gets_a_way_to_start_again(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/begin")
    url = page.url
    tampered = url[:-6] + ("AAAAAA" if not url.endswith("AAAAAA") else "BBBBBB")
    response = page.goto(tampered)
    assert response is not None and response.status == 400
    assert page.locator("h1").inner_text() == "This page of the journey can't be opened"
    page.get_by_role("link", name="Start the journey again").click()
    assert page.locator("h1").inner_text() == "The kitchen"


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_playthrough(browser: Browser, watch: Watch,
                                   live_server: LiveServer) -> None:
    for js in (True, False):
        context = _context(browser, watch, js=js)
        page = context.new_page()
        page.goto(live_server.url + "/")
        _tab_to(page, "a.skip")  # the first stop is the skip link, and it is visible
        assert page.locator("a.skip").bounding_box() is not None
        _tab_to(page, "a.button.primary")
        page.keyboard.press("Enter")
        page.wait_for_url("**/play/**")
        for _ in range(40):
            if page.locator(".debrief").count():
                break
            _tab_to(page, "a.choice")
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline == "solid"  # focus is visible
            _follow(page, partial(page.keyboard.press, "Enter"))
        assert page.locator(".debrief").count() == 1
        context.close()


def test_number_keys_take_choices_with_javascript(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/begin")
    assert page.locator(".tools .hint").is_visible()
    page.keyboard.press("2")
    page.wait_for_url("**/1")
    assert page.locator("h1").inner_text() == "Waiting"
    page.keyboard.press("9")  # no ninth choice: nothing happens
    assert page.locator("h1").inner_text() == "Waiting"


def test_read_aloud_button_toggles(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/begin")
    if not page.evaluate("'speechSynthesis' in window"):
        pytest.skip("this Chromium build has no speech synthesis")
    button = page.get_by_role("button", name="Read aloud")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    assert page.locator("button.read-aloud").get_attribute("aria-pressed") in ("true", "false")


def test_motion_follows_the_reader_preference(browser: Browser, live_server: LiveServer) -> None:
    motions: tuple[tuple[Literal["reduce", "no-preference"], str], ...] = (
        ("reduce", "none"), ("no-preference", "arrive"))
    for motion, expected in motions:
        context = browser.new_context(reduced_motion=motion)
        page = context.new_page()
        page.goto(live_server.url + "/about")
        assert page.evaluate("getComputedStyle(document.querySelector('main')).animationName") \
            == expected
        context.close()


def _page_types(story: Story, origin: str) -> dict[str, str]:
    """One URL for every kind of page the player can meet."""
    caught = seed_for(story, [0, 0, 0], "caught")
    far = seed_for(story, [0, 0, 0, 0], "far-bank-end")
    questioned = token_of(story, path_to(story, [1, 0, 0, 3, 0]))
    def play(choices: list[int], seed: int = 7) -> str:
        return f"{origin}/play/{token_of(story, path_to(story, choices, seed))}"
    return {
        "landing": f"{origin}/",
        "scene": play([]),
        "disabled-choice": play([1, 0, 0]),
        "chance": play([0, 0]),
        "reveal": play([0, 0, 0], far),
        "content-note": f"{origin}/play/{questioned}",
        "content-note-summary": f"{origin}/play/{questioned}?brief=1",
        "ending": play([0, 0, 0, 0], far),
        "ending-caught": play([0, 0, 0], caught),
        "sources": f"{origin}/sources",
        "about": f"{origin}/about",
        "privacy": f"{origin}/privacy",
        "not-found": f"{origin}/no-such-page",
        "bad-token": f"{origin}/play/garbled-token",
        "choice-error": play([1, 0, 0]) + "/0",
    }


def test_every_page_type_passes_axe_and_is_screenshotted(
        browser: Browser, watch: Watch, live_server: LiveServer, story: Story) -> None:
    pages = _page_types(story, live_server.url)
    failures: dict[str, object] = {}
    for width in (360, 1280):
        context = _context(browser, watch, width=width)
        page = context.new_page()
        for name, url in pages.items():
            page.goto(url)
            assert page.locator("h1").count() == 1, name
            check_page(page, name, width, failures, screenshot=name in (
                "landing", "scene", "chance", "reveal", "content-note", "ending", "sources",
                "about", "privacy", "not-found", "bad-token", "disabled-choice"))
        context.close()
    assert failures == {}
    assert watch.foreign() == []
    assert watch.problems == []


def test_zoom_to_200_percent_reflows_without_sideways_scrolling(
        browser: Browser, watch: Watch, live_server: LiveServer, story: Story) -> None:
    """1280 px at 200% zoom is a 640 px layout; WCAG reflow asks for 320 px without loss."""
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2,
                                  reduced_motion="reduce")
    page = context.new_page()
    for width in (640, 320):
        page.set_viewport_size({"width": width, "height": 400})
        for name, url in _page_types(story, live_server.url).items():
            page.goto(url)
            assert not page.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth"), (name, width)
    context.close()


def test_a_hostile_story_runs_no_script_in_the_browser(browser: Browser,
                                                       hostile_story: Story) -> None:
    with LiveServer(create_app(hostile_story, KEY)) as server:
        watch = Watch(server.url)
        context = _context(browser, watch)
        page = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        for url in ("/", "/sources", "/about"):
            page.goto(server.url + url)
        page.goto(server.url + "/begin")
        for _ in range(5):
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            page.mouse.move(10, 10)
            page.mouse.move(300, 300)
            if not page.locator("a.choice").count():
                break
            _follow(page, page.locator("a.choice").first.click)
        assert page.locator(".debrief").count() == 1
        context.close()
        assert dialogs == []
        assert watch.foreign() == []  # the author's <img src=x> and iframes never load
