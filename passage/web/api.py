"""The JSON API for other front-ends (a mobile app, a game engine): start, look, choose.

The same tokens as the HTML pages: a client keeps the token it was given and
sends it back, and the server keeps nothing. Every error is a JSON object with a
stable ``error`` code; no input makes it answer with a 5xx. The description of
all this lives in ``openapi``.
"""

from __future__ import annotations

import html
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from passage.engine import State, View
from passage.story.model import Story
from passage.web.errors import TOKEN_MESSAGES
from passage.web.journey import ChoiceError, Journeys, TokenError
from passage.web.journeyroute import read_wishes
from passage.web.openapi import openapi_document

__all__ = ["MAX_BODY", "Api", "story_json", "view_json"]

MAX_BODY = 4096
_SEED_LIMIT = 2**64


class _BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Api:
    """Handlers for ``/api/v1/...`` over one story."""

    def __init__(self, journeys: Journeys) -> None:
        self.journeys = journeys
        self.story = journeys.story
        self._story_json = story_json(self.story)
        self._openapi = openapi_document(self.story)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/api/openapi.json", self.openapi, name="openapi"),
            Route("/api/v1/story", self.story_info, name="api-story"),
            Route("/api/v1/journeys", self.start, methods=["POST"], name="api-start"),
            Route("/api/v1/journeys/{token}", self.current, name="api-view"),
            Route("/api/v1/journeys/{token}/choices", self.choose, methods=["POST"],
                  name="api-choose"),
        ]

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(self._openapi)

    async def story_info(self, request: Request) -> Response:
        return JSONResponse(self._story_json)

    async def start(self, request: Request) -> Response:
        try:
            body = await _json_body(request)
            seed = _integer(body.get("seed"))
            if "seed" in body and (seed is None or not 0 <= seed < _SEED_LIMIT):
                raise _BadRequest(400, "bad-seed", "seed must be an integer from 0 to 2**64-1")
        except _BadRequest as error:
            return _error(error.status, error.code, error.message)
        state = self.journeys.begin(seed)
        return self._journey(state, 201)

    async def current(self, request: Request) -> Response:
        try:
            state = self.journeys.open(request.path_params["token"])
        except TokenError as error:
            return _token_error(error)
        return self._journey(state, 200)

    async def choose(self, request: Request) -> Response:
        try:
            state = self.journeys.open(request.path_params["token"])
        except TokenError as error:
            return _token_error(error)
        try:
            body = await _json_body(request)
            choice = _integer(body.get("choice"))
            if choice is None:
                raise _BadRequest(400, "bad-choice", "body must be {\"choice\": <integer>}")
        except _BadRequest as error:
            return _error(error.status, error.code, error.message)
        private = bool(read_wishes(request.scope)[0].private_reason)
        try:
            after = self.journeys.choose(state, choice, private)
        except ChoiceError as error:
            return _error(409, "choice-unavailable", str(error))
        return self._journey(after, 200)

    def _journey(self, state: State, status: int) -> JSONResponse:
        token = self.journeys.token(state)
        body = {"token": token, "view": view_json(self.story, state, self.journeys.view(state))}
        return JSONResponse(body, status_code=status, headers={"cache-control": "no-store"})


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (empty when there is no body), read at most MAX_BODY bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _BadRequest(413, "too-large", f"the body is larger than {MAX_BODY} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise _BadRequest(413, "too-large", f"the body is larger than {MAX_BODY} bytes")
    if not data.strip():
        return {}
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise _BadRequest(400, "bad-json", "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise _BadRequest(400, "bad-json", "the body must be a JSON object")
    return value


def _integer(value: object) -> int | None:
    """A JSON integer (JSON Schema counts 3.0 as one), or None; booleans are not numbers."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _token_error(error: TokenError) -> JSONResponse:
    message = TOKEN_MESSAGES.get(error.reason, TOKEN_MESSAGES["malformed"])
    return _error(400, f"token-{error.reason}", message)


def story_json(story: Story) -> dict[str, Any]:
    return {
        "id": story.id, "title": story.title, "version": story.version,
        "locale": story.locale, "summary": story.summary, "start": story.start,
        "content_notes": dict(story.content_notes),
        "chapters": [{"id": c.id, "number": c.number, "title": c.title} for c in story.chapters],
        "endings": [{"class": k, "title": e.title, "description": e.description}
                    for k, e in story.endings.items()],
        "waypoints": [{"key": k, "name": w.name, "country": w.country, "lon": w.lon, "lat": w.lat}
                      for k, w in story.waypoints.items()],
        "sources": [{"key": k, "publisher": s.publisher, "title": s.title, "date": s.date,
                     "url": s.url or None, "note": s.note or None}
                    for k, s in story.sources.items()],
    }


def view_json(story: Story, state: State, view: View) -> dict[str, Any]:
    """Everything a front-end needs to draw one page of the journey."""
    scene = view.scene
    reveal = None
    if view.reveal is not None:
        outcome = view.reveal.outcome
        reveal = {
            "scene": view.reveal.scene.id, "outcome": outcome.key,
            "text": outcome.text, "text_html": outcome.text_html,
            "probability": float(view.reveal.probability),
            "probability_exact": str(view.reveal.probability),
        }
    ending = None
    if view.ending is not None:
        ending = {"class": view.ending.key, "title": view.ending.title,
                  "description": view.ending.description,
                  "epilogue_html": view.epilogue_html,
                  "sources": list(view.epilogue_sources)}
    return {
        "kind": view.kind,
        "turn": view.turn,
        "scene": {
            "id": scene.id, "title": scene.title, "chapter": scene.chapter,
            "prose_html": scene.prose_html, "prose_text": scene.prose_text,
            "summary_html": scene.summary_html or None,
            "content_notes": [{"key": n, "text": story.content_notes.get(n, n)}
                              for n in scene.notes],
            "media": [{"path": p, "alt": a} for p, a in scene.media],
        },
        "facts": [{"key": f.key, "html": f.html, "text": f.text, "sources": list(f.sources)}
                  for f in scene.facts],
        "explores": [{"key": e.key, "title": e.title, "kind": e.kind, "html": e.html,
                      "sources": list(e.sources)} for e in scene.explores],
        "choices": [{"index": c.index, "key": c.key, "text": c.text,
                     # a chance label is plain text in the view, not HTML: escape it here
                     "text_html": html.escape(c.text) if view.kind == "chance" else c.text_html,
                     "enabled": c.enabled, "reason": c.reason} for c in view.choices],
        "chapter": {"id": view.chapter.id, "number": view.chapter.number,
                    "title": view.chapter.title},
        "waypoint": view.waypoint.key,
        "trail": list(state.trail),
        "status": [{"label": label, "value": value} for label, value in view.status],
        "reveal": reveal,
        "ending": ending,
    }
