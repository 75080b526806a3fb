"""The HTML pages around the journey: landing, begin, sources, about, privacy.

The journey pages themselves (``/play/…``) are answered before Starlette, in
``passage.web.journeyroute``. Only ``nostats`` (the player's opt-out of
statistics) travels from page to page in the query string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from passage.web.journey import Journeys
from passage.web.journeyroute import read_wishes
from passage.web.templating import Templates

__all__ = ["Pages"]

_NO_STORE = {"cache-control": "no-store"}


class Pages:
    """Request handlers for the HTML pages of one story."""

    def __init__(self, journeys: Journeys, templates: Templates) -> None:
        self.journeys = journeys
        self.templates = templates
        self.recording = journeys.events is not None

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.landing, name="landing"),
            Route("/begin", self.begin, name="begin"),
            Route("/sources", self.page("sources.html"), name="sources"),
            Route("/about", self.page("about.html"), name="about"),
            Route("/privacy", self.privacy, name="privacy"),
        ]

    async def landing(self, request: Request) -> Response:
        html = self.templates.render("landing.html", suffix=_suffix(request.query_params))
        return HTMLResponse(html)

    async def begin(self, request: Request) -> Response:
        """A new journey with a fresh random seed, then its first page at a stable address."""
        state = self.journeys.begin()
        url = f"/play/{self.journeys.token(state)}{_suffix(request.query_params)}"
        return RedirectResponse(url, status_code=303, headers=_NO_STORE)

    def page(self, template: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return HTMLResponse(self.templates.render(template))
        return endpoint

    async def privacy(self, request: Request) -> Response:
        html = self.templates.render("privacy.html", recording=self.recording,
                                     private_reason=read_wishes(request.scope)[0].private_reason)
        return HTMLResponse(html)


def _suffix(query: QueryParams) -> str:
    return "?nostats=1" if query.get("nostats") == "1" else ""
