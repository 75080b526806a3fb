"""The journey pages, ``/play/{token}`` and ``/play/{token}/{choice}``, in plain ASGI.

Nearly every request a running server gets is one of these, so they do not go
through Starlette's middleware, router and request objects (as much CPU as the
step itself): the path is split by hand, the few headers that matter are read in
one pass, and the response is sent with headers written once at start-up,
security headers included. Both pages are pure functions of the URL: reloading
is safe and the back button is the rewind. Anything unexpected still ends as a
friendly page, never a traceback.
"""

from __future__ import annotations

import logging

from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from passage.engine import State, View
from passage.web.errors import error_page, token_error_page
from passage.web.journey import ChoiceError, Journeys, TokenError
from passage.web.journeypage import JourneyRenderer, OddsRows, Wishes
from passage.web.odds import Odds
from passage.web.others import Others
from passage.web.security import SECURITY_HEADERS, SecurityHeaders
from passage.web.splice import join_gzip, join_plain
from passage.web.templating import Templates

__all__ = ["JourneyRoute", "private_reason", "read_wishes", "split_journey_path"]

_log = logging.getLogger("passage.web")

_PLAIN_HEADERS = [*SECURITY_HEADERS, (b"content-type", b"text/html; charset=utf-8"),
                  (b"cache-control", b"private, max-age=0"), (b"vary", b"Accept-Encoding")]
_GZIP_HEADERS = [*_PLAIN_HEADERS, (b"content-encoding", b"gzip")]
_PAGE_METHODS = ("GET", "HEAD")


def split_journey_path(path: str) -> tuple[str, int | None] | None:
    """``(token, choice)`` of ``/play/{token}`` (choice None) or ``/play/{token}/{digits}``;
    None for any other path."""
    if not path.startswith("/play/"):
        return None
    token, slash, choice = path[6:].partition("/")
    if not token:
        return None
    if not slash:
        return token, None
    if choice.isascii() and choice.isdigit():
        return token, int(choice)
    return None


class JourneyRoute:
    """Answers journey page requests for one story (the paths :func:`split_journey_path` takes)."""

    def __init__(self, journeys: Journeys, templates: Templates, renderer: JourneyRenderer,
                 others: Others | None) -> None:
        self.journeys = journeys
        self.templates = templates
        self.renderer = renderer
        self.others = others
        self.story = journeys.story
        provider = journeys.odds_provider
        self._odds_at_endings = provider is not None
        # a provider that only speaks at endings is not asked (nor the view built) after choices
        self._odds_after_choices = (provider is not None
                                    and not getattr(provider, "endings_only", False))

    async def answer(self, scope: Scope, receive: Receive, send: Send, token: str,
                     choice: int | None) -> None:
        """Send the page of ``token`` (after taking ``choice``, when there is one)."""
        try:
            if scope["method"] not in _PAGE_METHODS:
                response = error_page(self.templates, 405, "There is no page here",
                                      "This address can't be used that way.")
                response.headers["allow"] = "GET, HEAD"
                await _send_response(response, scope, receive, send)
                return
            body, headers = self._page(scope, token, choice)
        except _Refused as refused:
            await _send_response(refused.response, scope, receive, send)
            return
        except Exception:
            _log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            await _send_response(error_page(
                self.templates, 500, "Something went wrong on our side",
                "The page could not be made. Please try again in a moment."), scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*headers, (b"content-length", b"%d" % len(body))]})
        await send({"type": "http.response.body", "body": body})

    def _page(self, scope: Scope, token: str, choice: int | None) -> tuple[bytes, list[tuple[
            bytes, bytes]]]:
        wishes, gzip_ok = read_wishes(scope)
        journeys = self.journeys
        try:
            state = journeys.open(token)
        except TokenError as error:
            raise _Refused(token_error_page(self.templates, error)) from None
        before: State | None = None
        if choice is not None:
            before = state
            try:
                state = journeys.choose(before, choice, private=bool(wishes.private_reason))
            except ChoiceError:
                raise _Refused(error_page(
                    self.templates, 400, "That choice isn't open here",
                    "The page you came from does not offer that choice.",
                    back=f"/play/{token}{wishes.suffix}")) from None
            token = journeys.token(state)
        if not self._odds_at_endings:
            parts = self.renderer.cached(state, wishes)
        else:
            current = journeys.view(state)
            parts = self.renderer.render(state, current, wishes,
                                         self._after_odds(before, choice),
                                         self._ending_odds(state, current))
        if self.others is not None:  # else the slot stays: an empty part, harmless
            parts = self.others.fill(parts, state, before, choice)
        if gzip_ok:
            return join_gzip(parts, token), _GZIP_HEADERS
        return join_plain(parts, token), _PLAIN_HEADERS

    def _after_odds(self, before: State | None, choice: int | None) -> OddsRows | None:
        if before is None or not self._odds_after_choices:
            return None
        previous = self.journeys.view(before)
        if previous.kind != "choices":
            return None
        odds = self.journeys.odds(before, previous)
        if odds is None:
            return None
        rows = tuple((c.text, float(odds.shares[c.key]), c.index == choice)
                     for c in previous.choices if c.key in odds.shares)
        return OddsRows(rows, odds.basis, previous.scene.title) if rows else None

    def _ending_odds(self, state: State, current: View) -> OddsRows | None:
        if not current.is_ending or current.ending is None:
            return None
        odds: Odds | None = self.journeys.odds(state, current)
        if odds is None:
            return None
        mine = current.ending.key
        rows = tuple((ending.title, float(odds.shares[key]), key == mine)
                     for key, ending in self.story.endings.items() if key in odds.shares)
        return OddsRows(rows, odds.basis) if rows else None


class _Refused(Exception):
    """A request answered with an error page (a bad token, a choice that isn't open)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _send_response(response: Response, scope: Scope, receive: Receive,
                         send: Send) -> None:
    await SecurityHeaders(response)(scope, receive, send)


def read_wishes(scope: Scope) -> tuple[Wishes, bool]:
    """The reader's wishes and whether the client takes gzip, in one pass over the headers."""
    gpc = dnt = gzip_ok = False
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            gzip_ok = b"gzip" in value
        elif name == b"sec-gpc":
            gpc = value.strip() == b"1"
        elif name == b"dnt":
            dnt = value.strip() == b"1"
    nostats = brief = False
    if scope["query_string"]:
        query = QueryParams(scope["query_string"])
        nostats, brief = query.get("nostats") == "1", query.get("brief") == "1"
    return Wishes(nostats, brief, private_reason(gpc, dnt, nostats)), gzip_ok


def private_reason(gpc: bool, dnt: bool, nostats: bool) -> str:
    """Why this request is not counted, in the reader's words; empty when it is."""
    if gpc:
        return "Your browser sends Global Privacy Control."
    if dnt:
        return "Your browser sends Do Not Track."
    if nostats:
        return "You chose not to be counted."
    return ""
