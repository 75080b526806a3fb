"""The application factory: one story, one signing key, optional statistics and odds.

``create_app`` builds the ASGI app from values (tests and embedding use it);
``app_from_environment`` is what each uvicorn worker process calls: it reads the
story folder and data directory that ``passage serve`` put in the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Scope

from passage.analytics.events import EventSink
from passage.story import Story, compile_story
from passage.web.api import Api
from passage.web.errors import exception_handlers
from passage.web.journey import Journeys
from passage.web.keys import load_or_create_key
from passage.web.maps import MapRenderer
from passage.web.media import MediaFiles
from passage.web.odds import OddsProvider
from passage.web.pages import Pages
from passage.web.security import SecurityHeaders
from passage.web.templating import Templates

__all__ = ["ENV_DATA_DIR", "ENV_STORY_DIR", "PassageApp", "app_from_environment", "create_app"]

ENV_STORY_DIR = "PASSAGE_STORY_DIR"
ENV_DATA_DIR = "PASSAGE_DATA_DIR"


class PassageApp(Starlette):
    """Starlette with the security headers outside everything, 500 pages included."""

    journeys: Journeys

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


class _Static(StaticFiles):
    """Package static files; versioned URLs (``?v=``) may be cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = ("public, max-age=31536000, immutable" if versioned
                                             else "public, max-age=3600")
        return response


async def _health(request: Request) -> Response:
    """A plain answer for load balancers (and the hello-world baseline of the benchmark)."""
    return PlainTextResponse("ok")


def create_app(story: Story, key: bytes, *, story_dir: Path | None = None,
               events: EventSink | None = None, odds: OddsProvider | None = None) -> PassageApp:
    """The web player for ``story``; ``story_dir`` (default ``story.root``) holds its media."""
    templates = Templates(story)
    journeys = Journeys(story, key, events=events, odds=odds)
    maps = MapRenderer(story, templates.static_url("map/basemap.svg"))
    pages = Pages(journeys, templates, maps)
    api = Api(journeys)
    root = Path(story_dir) if story_dir is not None else Path(story.root)
    routes = [
        *pages.routes(),
        *api.routes(),
        Route("/healthz", _health, name="health"),
        Route("/media/{path:path}", MediaFiles(root).endpoint, name="media"),
        Mount("/static", _Static(packages=[("passage.web", "static")]), name="static"),
    ]
    app = PassageApp(
        routes=routes,
        middleware=[Middleware(GZipMiddleware, minimum_size=512, compresslevel=6)],
        exception_handlers=exception_handlers(templates),  # type: ignore[arg-type]
    )
    app.journeys = journeys
    return app


def app_from_environment() -> PassageApp:
    """For uvicorn workers (``factory=True``): the story and key named by the environment."""
    story_dir = Path(os.environ[ENV_STORY_DIR])
    data_dir = Path(os.environ.get(ENV_DATA_DIR, "data"))
    story = compile_story(story_dir)
    return create_app(story, load_or_create_key(data_dir), story_dir=story_dir)
