"""The application factory: one story, one signing key, optional statistics and odds.

``create_app`` builds the ASGI app from values (tests and embedding use it);
``app_from_environment`` is what each uvicorn worker process calls: it reads the
story folder and data directory that ``passage serve`` put in the environment.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Lifespan, Scope

from passage.analytics.events import ChoiceStats, EventSink
from passage.analytics.service import open_analytics
from passage.story import Story, compile_story
from passage.web.api import Api
from passage.web.compression import Compression
from passage.web.errors import exception_handlers
from passage.web.frontdoor import FrontDoor
from passage.web.journey import Journeys
from passage.web.journeypage import JourneyRenderer
from passage.web.journeyroute import JourneyRoute
from passage.web.keys import load_or_create_key
from passage.web.maps import MapRenderer
from passage.web.media import MediaFiles
from passage.web.odds import OddsProvider
from passage.web.others import Others
from passage.web.pages import Pages
from passage.web.security import SecurityHeaders
from passage.web.templating import Templates

__all__ = [
    "ENV_DATABASE",
    "ENV_DATA_DIR",
    "ENV_RELAY",
    "ENV_STATS",
    "ENV_STORY_DIR",
    "PassageApp",
    "app_from_environment",
    "create_app",
]

ENV_STORY_DIR = "PASSAGE_STORY_DIR"
ENV_DATA_DIR = "PASSAGE_DATA_DIR"
ENV_DATABASE = "PASSAGE_DATABASE"  # choice statistics: empty for SQLite in the data dir
ENV_STATS = "PASSAGE_STATS"  # "off" records nothing and shows no statistics
ENV_RELAY = "PASSAGE_STATS_RELAY"  # the writer process's socket (passage serve sets it)


class PassageApp(Starlette):
    """Starlette behind the front door (journey pages, health check), with the security
    headers outside everything else, 500 pages included."""

    journeys: Journeys
    journey_route: JourneyRoute

    def build_middleware_stack(self) -> ASGIApp:
        return FrontDoor(self.journey_route, SecurityHeaders(super().build_middleware_stack()))


class _Static(StaticFiles):
    """Package static files; versioned URLs (``?v=``) may be cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = ("public, max-age=31536000, immutable" if versioned
                                             else "public, max-age=3600")
        return response


def create_app(story: Story, key: bytes, *, story_dir: Path | None = None,
               events: EventSink | None = None, odds: OddsProvider | None = None,
               stats: ChoiceStats | None = None,
               on_shutdown: Callable[[], None] | None = None) -> PassageApp:
    """The web player for ``story``; ``story_dir`` (default ``story.root``) holds its media.

    ``on_shutdown`` runs (in a thread: it may block, e.g. to drain the statistics
    writer) when the server stops, after the requests in flight have finished."""
    templates = Templates(story)
    journeys = Journeys(story, key, events=events, odds=odds, stats=stats)
    maps = MapRenderer(story, templates.static_url("map/basemap.svg"))
    renderer = JourneyRenderer(story, templates, maps, recording=events is not None)
    others = Others(story, stats, templates) if stats is not None else None
    api = Api(journeys)
    root = Path(story_dir) if story_dir is not None else Path(story.root)
    routes = [
        *Pages(journeys, templates).routes(),
        *api.routes(),
        Route("/media/{path:path}", MediaFiles(root).endpoint, name="media"),
        Mount("/static", _Static(packages=[("passage.web", "static")]), name="static"),
    ]
    app = PassageApp(
        routes=routes,
        middleware=[Middleware(Compression)],
        exception_handlers=exception_handlers(templates),  # type: ignore[arg-type]
        lifespan=_lifespan(on_shutdown),
    )
    app.journeys = journeys
    app.journey_route = JourneyRoute(journeys, templates, renderer, others)
    return app


def _lifespan(on_shutdown: Callable[[], None] | None) -> Lifespan[Starlette]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if on_shutdown is not None:
            await anyio.to_thread.run_sync(on_shutdown)

    return lifespan


def app_from_environment() -> PassageApp:
    """For uvicorn workers (``factory=True``): the story, key and statistics database named
    by the environment. Each worker process opens its own statistics cache and either
    relays events to the writer process of ``passage serve`` (``PASSAGE_STATS_RELAY``)
    or, run alone, its own writer thread; it flushes or drains them when it stops."""
    story_dir = Path(os.environ[ENV_STORY_DIR])
    data_dir = Path(os.environ.get(ENV_DATA_DIR, "data"))
    story = compile_story(story_dir)
    relay = os.environ.get(ENV_RELAY)
    analytics = open_analytics(os.environ.get(ENV_DATABASE) or None, data_dir,
                               enabled=os.environ.get(ENV_STATS, "on") != "off",
                               relay=Path(relay) if relay else None)
    from passage.odds.provider import (
        ExactOddsProvider,  # it imports passage.web.odds: no cycle here
    )

    odds = ExactOddsProvider()
    odds.warm(story)  # solve before the first reader arrives (about a second for the flagship)
    app = create_app(story, load_or_create_key(data_dir), story_dir=story_dir,
                     events=analytics.sink if analytics.recording else None,
                     stats=analytics.stats if analytics.recording else None,
                     odds=odds, on_shutdown=analytics.close)
    # The story, templates, app and solved odds never change: keep them out of every
    # garbage collection, which the statistics writer's allocations would otherwise
    # trigger over them again and again in the thread that serves pages.
    gc.freeze()
    return app
