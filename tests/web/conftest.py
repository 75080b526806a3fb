"""Fixtures for the web player: the example story's app, an in-process client, a live server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from passage.analytics.events import StepEvent
from passage.story import Story, compile_story
from passage.web import create_app
from passage.web.app import PassageApp

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "stories" / "example"
HOSTILE = Path(__file__).resolve().parent / "stories" / "hostile"
KEY = b"test-key-0123456789abcdef-0123456789"


@dataclass
class ListSink:
    """A real, trivial EventSink: keeps events in a list."""

    events: list[StepEvent] = field(default_factory=list)

    def record(self, event: StepEvent) -> None:
        self.events.append(event)


class Client:
    """A synchronous client over the ASGI app (no network, no TestClient deprecation)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.request(method, url, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture(scope="session")
def story() -> Story:
    return compile_story(EXAMPLE)


@pytest.fixture(scope="session")
def hostile_story() -> Story:
    return compile_story(HOSTILE)


@pytest.fixture(scope="session")
def app(story: Story) -> PassageApp:
    return create_app(story, KEY)


@pytest.fixture(scope="session")
def client(app: PassageApp) -> Client:
    return Client(app)


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def recording_client(story: Story, sink: ListSink) -> Client:
    return Client(create_app(story, KEY, events=sink))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """Uvicorn serving an app on 127.0.0.1 in a thread, for the browser tests."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app: PassageApp) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


def first_page(client: Client, suffix: str = "") -> str:
    """Begin a journey; the URL of its first page."""
    response = client.get("/begin" + suffix)
    assert response.status_code == 303
    return str(response.headers["location"])
