"""The HTML pages: landing, the journey (scene, chance reveal, ending), sources, about, privacy.

Every journey page is a GET: ``/play/{token}`` shows a state and
``/play/{token}/{choice}`` shows the state after taking a choice from it. Both
are pure functions of the URL, so reloading is safe and the back button is the
rewind. Only ``nostats`` (the player's opt-out of statistics) travels from page
to page in the query string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from passage.engine import State, View
from passage.web.compression import accepts_gzip
from passage.web.errors import error_page, token_error_page
from passage.web.journey import ChoiceError, Journeys, TokenError, wants_privacy
from passage.web.journeypage import JourneyRenderer, OddsRows, Wishes
from passage.web.maps import MapRenderer
from passage.web.odds import Odds
from passage.web.others import Others
from passage.web.splice import join_gzip, join_plain
from passage.web.templating import Templates

__all__ = ["Pages"]

_NO_STORE = {"cache-control": "no-store"}
_PLAIN_HEADERS = ((b"content-type", b"text/html; charset=utf-8"),
                  (b"cache-control", b"private, max-age=0"), (b"vary", b"Accept-Encoding"))
_GZIP_HEADERS = (*_PLAIN_HEADERS, (b"content-encoding", b"gzip"))


class _PageResponse(Response):
    """A journey page: the same headers every time, so they are built once, not per step."""

    def __init__(self, body: bytes, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [*headers, (b"content-length", str(len(body)).encode())]


class Pages:
    """Request handlers for the HTML pages of one story."""

    def __init__(self, journeys: Journeys, templates: Templates, maps: MapRenderer) -> None:
        self.journeys = journeys
        self.templates = templates
        self.maps = maps
        self.story = journeys.story
        self.recording = journeys.events is not None
        self.renderer = JourneyRenderer(self.story, templates, maps, self.recording)
        stats = journeys.stats
        self.others = Others(self.story, stats, templates) if stats is not None else None

    def routes(self) -> list[BaseRoute]:
        return [  # the journey first: nearly every request is a step
            Route("/play/{token}/{choice:int}", self.step, name="step"),
            Route("/play/{token}", self.play, name="play"),
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

    async def play(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            state = self.journeys.open(token)
        except TokenError as error:
            return token_error_page(self.templates, error)
        return self._journey_page(request, state, token)

    async def step(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            before = self.journeys.open(token)
        except TokenError as error:
            return token_error_page(self.templates, error)
        choice: int = request.path_params["choice"]
        private = wants_privacy(request.headers, request.query_params)
        try:
            after = self.journeys.choose(before, choice, private)
        except ChoiceError:
            return error_page(self.templates, 400, "That choice isn't open here",
                              "The page you came from does not offer that choice.",
                              back=f"/play/{token}{_suffix(request.query_params)}")
        return self._journey_page(request, after, self.journeys.token(after), before, choice)

    def page(self, template: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return HTMLResponse(self.templates.render(template))
        return endpoint

    async def privacy(self, request: Request) -> Response:
        html = self.templates.render("privacy.html", recording=self.recording,
                                     private_reason=_private_reason(request))
        return HTMLResponse(html)

    def _journey_page(self, request: Request, state: State, token: str,
                      before: State | None = None, choice: int | None = None) -> Response:
        if request.scope["query_string"]:
            query = request.query_params
            nostats, brief = query.get("nostats") == "1", query.get("brief") == "1"
        else:
            nostats = brief = False
        wishes = Wishes(nostats, brief, _private_reason(request))
        if self.journeys.odds_provider is None:
            parts = self.renderer.cached(state, wishes)
        else:  # figures may change from one request to the next
            current = self.journeys.view(state)
            parts = self.renderer.render(state, current, wishes,
                                         self._after_odds(before, choice),
                                         self._ending_odds(state, current))
        if self.others is not None:  # else the slot stays: an empty part, harmless
            parts = self.others.fill(parts, state, before, choice)
        if accepts_gzip(request.scope):
            return _PageResponse(join_gzip(parts, token), _GZIP_HEADERS)
        return _PageResponse(join_plain(parts, token), _PLAIN_HEADERS)

    def _after_odds(self, before: State | None, choice: int | None) -> OddsRows | None:
        if before is None or self.journeys.odds_provider is None:
            return None
        previous = self.journeys.view(before)
        if previous.kind != "choices":
            return None
        odds = self.journeys.odds(before, previous)
        if odds is None:
            return None
        rows = [(c.text, float(odds.shares[c.key]), c.index == choice)
                for c in previous.choices if c.key in odds.shares]
        return OddsRows(rows, odds.basis, previous.scene.title) if rows else None

    def _ending_odds(self, state: State, current: View) -> OddsRows | None:
        if not current.is_ending or current.ending is None:
            return None
        odds: Odds | None = self.journeys.odds(state, current)
        if odds is None:
            return None
        mine = current.ending.key
        rows = [(ending.title, float(odds.shares[key]), key == mine)
                for key, ending in self.story.endings.items() if key in odds.shares]
        return OddsRows(rows, odds.basis) if rows else None


def _suffix(query: QueryParams) -> str:
    return "?nostats=1" if query.get("nostats") == "1" else ""


def _private_reason(request: Request) -> str:
    gpc = dnt = False
    for name, value in request.scope["headers"]:  # one pass over the raw headers
        if name == b"sec-gpc":
            gpc = value.strip() == b"1"
        elif name == b"dnt":
            dnt = value.strip() == b"1"
    if gpc:
        return "Your browser sends Global Privacy Control."
    if dnt:
        return "Your browser sends Do Not Track."
    if request.scope["query_string"] and request.query_params.get("nostats") == "1":
        return "You chose not to be counted."
    return ""
