"""Statistics wired into the web player: pages record through the real writer, show
"how others chose" only past 20 journeys, honour DNT/GPC; ``passage serve`` drains."""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from passage.analytics.aggregates import StatsCache
from passage.analytics.connect import store_factory
from passage.analytics.sample import random_events
from passage.analytics.writer import BackgroundSink
from passage.story import Story
from passage.web import create_app
from passage.web.app import PassageApp
from tests.analytics.helpers import NOW, Backend
from tests.web.conftest import EXAMPLE, KEY, Client, first_page

_CHOICE = re.compile(r'<a class="choice" href="([^"]+)"')


def _app(backend: Backend, sink: BackgroundSink, stats: StatsCache, story: Story) -> PassageApp:
    return create_app(story, KEY, events=sink, stats=stats)


def _walk(client: Client, steps: int, headers: dict[str, str] | None = None) -> str:
    """Begin a journey and take the first offered choice ``steps`` times; the last page."""
    page = client.get(first_page(client), headers=headers).text
    for _ in range(steps):
        links = _CHOICE.findall(page)
        if not links:
            break
        page = client.get(html.unescape(links[0]), headers=headers).text
    return page


def test_pages_record_through_the_writer_and_honour_dnt_and_gpc(
    backend: Backend, example: Story, tmp_path: Path
) -> None:
    sink = BackgroundSink(backend.factory(), tmp_path / "journal")
    stats = StatsCache(backend.factory(), background=False)
    client = Client(_app(backend, sink, stats, example))
    _walk(client, 3)
    _walk(client, 3, headers={"DNT": "1"})
    _walk(client, 3, headers={"Sec-GPC": "1"})
    sink.close()
    stats.close()
    store = backend.open()
    events = store.events()
    store.close()
    assert len({e.journey_id for e in events}) == 1  # only the journey that allowed it
    assert [e.step for e in events] == list(range(1, len(events) + 1))
    assert events[0].scene == "kitchen" and events[0].choice == "kitchen.choice-1"


def test_how_others_chose_appears_only_past_twenty_journeys(
    backend: Backend, example: Story, tmp_path: Path
) -> None:
    sink = BackgroundSink(backend.factory(), tmp_path / "journal")
    stats = StatsCache(backend.factory(), background=False)
    client = Client(_app(backend, sink, stats, example))
    store = backend.open()
    store.write(random_events(example, 19, seed=3, now=NOW))
    stats.refresh()
    page = _walk(client, 1)
    assert "How others chose" not in page
    store.write(random_events(example, 60, seed=4, now=NOW))
    stats.refresh()
    page = html.unescape(_walk(client, 1))
    section = page[page.index("How others chose at “The kitchen”") :]
    section = section[: section.index("</section>")]
    assert "Call my sister" in section and "(your choice)" in section
    percents = [int(p) for p in re.findall(r'<span class="share">(\d+)%</span>', section)]
    assert len(percents) == 2 and sum(percents) == 100
    assert re.search(r"From (about )?[\d,]+ choices made here in anonymous journeys", section)
    store.close()
    sink.close()
    stats.close()


def test_the_ending_debrief_shows_how_others_journeys_ended(
    backend: Backend, example: Story, tmp_path: Path
) -> None:
    store = backend.open()
    store.write(random_events(example, 80, seed=5, now=NOW))
    store.close()
    stats = StatsCache(backend.factory(), background=False)
    stats.refresh()
    client = Client(create_app(example, KEY, stats=stats))
    page = html.unescape(_walk(client, 40))
    assert "Where this journey ended" in page
    assert "How others’ journeys ended" in page and "(this journey)" in page
    assert re.search(r"From (about )?[\d,]+ anonymous journeys that reached an end", page)
    stats.close()


def test_a_failing_statistics_provider_costs_the_figures_not_the_page(example: Story) -> None:
    class Broken:
        def choice_shares(self, story_id: str, version: str, scene: str) -> dict[str, int] | None:
            raise RuntimeError("gone")

        def ending_shares(self, story_id: str, version: str) -> dict[str, int] | None:
            raise RuntimeError("gone")

    client = Client(create_app(example, KEY, stats=Broken()))
    page = client.get(first_page(client)).text
    link = html.unescape(_CHOICE.findall(page)[0])
    response = client.get(link)
    assert response.status_code == 200 and "How others chose" not in response.text


# -- the real server ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_passage_serve_records_with_two_workers_and_drains_on_sigterm(
    pg_database: str, tmp_path: Path
) -> None:
    port = _free_port()
    env = {**os.environ, "PASSAGE_SECRET_KEY": "k" * 40}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "passage.cli",
            "serve",
            str(EXAMPLE),
            "--port",
            str(port),
            "--workers",
            "2",
            "--data-dir",
            str(tmp_path),
            "--database",
            pg_database,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    steps = 0
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.1)
        with httpx.Client(base_url=base, follow_redirects=True) as http:
            for _ in range(10):
                page = http.get("/begin").text
                for _ in range(2):
                    links = _CHOICE.findall(page)
                    if not links:
                        break
                    page = http.get(html.unescape(links[0])).text
                    steps += 1
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert f"Choice statistics: PostgreSQL {pg_database}" in output
    store = store_factory(pg_database, tmp_path)()
    try:
        assert store.count() == steps  # every step, drained at shutdown, none twice
    finally:
        store.close()


@pytest.mark.parametrize("fragment_text", ["", "<p>How others chose: 62%</p>", "é" * 70_000])
def test_a_fragment_filled_into_cached_page_parts_is_valid_gzip(fragment_text: str) -> None:
    from gzip import decompress

    from passage.web.others import SLOT
    from passage.web.splice import Spliced, join_gzip, join_plain

    parts = [
        Spliced("<a href=/play/~T~>x</a><main>", "~T~"),
        SLOT,
        Spliced("</main><a href=/play/~T~/1>y</a>", "~T~"),
    ]
    filled = [Spliced(fragment_text, "~T~") if p is SLOT else p for p in parts]
    expected = f"<a href=/play/TOKEN>x</a><main>{fragment_text}</main><a href=/play/TOKEN/1>y</a>"
    assert join_plain(filled, "TOKEN").decode() == expected
    assert decompress(join_gzip(filled, "TOKEN")).decode() == expected
    assert decompress(join_gzip(parts, "TOKEN")).decode() == expected.replace(fragment_text, "")
