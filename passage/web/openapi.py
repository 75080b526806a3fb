"""The OpenAPI 3.1 description of the JSON API (served at /api/openapi.json).

Written out by hand rather than generated, so that it says exactly what the
handlers in ``api`` accept and answer, including every error; the schemathesis
test holds the two together.
"""

from __future__ import annotations

from typing import Any

from passage.engine.token import MAX_TOKEN_LENGTH
from passage.story.model import Story

__all__ = ["openapi_document"]

_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_NULLABLE_STRING = {"type": ["string", "null"]}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


_ERROR = _object({"error": _STRING, "message": _STRING})

_VIEW = _object({
    "kind": {"enum": ["choices", "chance", "jump", "ending"]},
    "turn": {"type": "integer", "minimum": 0},
    "scene": _object({
        "id": _STRING, "title": _STRING, "chapter": _STRING,
        "prose_html": _STRING, "prose_text": _STRING, "summary_html": _NULLABLE_STRING,
        "content_notes": {"type": "array", "items": _object({"key": _STRING, "text": _STRING})},
        "media": {"type": "array", "items": _object({"path": _STRING, "alt": _STRING})},
    }),
    "facts": {"type": "array", "items": _object({
        "key": _STRING, "html": _STRING, "text": _STRING, "sources": _STRINGS})},
    "explores": {"type": "array", "items": _object({
        "key": _STRING, "title": _STRING, "html": _STRING, "sources": _STRINGS,
        "kind": {"enum": ["fact", "testimony", "table", "picture"]}})},
    "choices": {"type": "array", "items": _object({
        "index": {"type": "integer", "minimum": 0, "description": "send this to choose"},
        "key": _STRING, "text": _STRING, "text_html": _STRING, "enabled": {"type": "boolean"},
        "reason": {**_NULLABLE_STRING, "description": "why a disabled choice is disabled"}})},
    "chapter": _object({"id": _STRING, "number": {"type": "integer"}, "title": _STRING}),
    "waypoint": _STRING,
    "trail": _STRINGS,
    "status": {"type": "array", "items": _object({"label": _STRING, "value": _STRING})},
    "reveal": {"oneOf": [{"type": "null"}, _object({
        "scene": _STRING, "outcome": _STRING, "text": _STRING, "text_html": _STRING,
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "probability_exact": {**_STRING, "description": "the exact fraction, e.g. 3/5"}})]},
    "ending": {"oneOf": [{"type": "null"}, _object({
        "class": _STRING, "title": _STRING, "description": _STRING,
        "epilogue_html": _STRING, "sources": _STRINGS})]},
})

_JOURNEY = _object({
    "token": {**_STRING, "description": "the signed state; send it back to continue"},
    "view": {"$ref": "#/components/schemas/View"},
})


def _response(description: str, schema: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_TOKEN_PARAMETER = {
    "name": "token", "in": "path", "required": True,
    "description": "a journey token from a previous answer",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_TOKEN_LENGTH,
               "pattern": "^[A-Za-z0-9_-]+$"},
}
_BAD = _response("bad input: a damaged, forged or outdated token, or a bad body", "Error")
_TOO_LARGE = _response("the body is larger than 4096 bytes", "Error")


def openapi_document(story: Story) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"Passage API: {story.title}",
            "version": "1",
            "description": (
                "Play the story from any front-end. Start a journey, show its view, send a "
                "choice; keep the token each answer gives you. The server keeps no session. "
                "Steps are counted anonymously unless the request sends `DNT: 1` or "
                "`Sec-GPC: 1`."),
        },
        "paths": {
            "/api/v1/story": {"get": {
                "summary": "The story: title, chapters, endings, waypoints, sources",
                "operationId": "getStory",
                "responses": {"200": _response("the story", "Story")},
            }},
            "/api/v1/journeys": {"post": {
                "summary": "Start a journey",
                "operationId": "startJourney",
                "requestBody": {"required": False, "content": {"application/json": {
                    "schema": _object({"seed": {
                        "type": "integer", "minimum": 0, "maximum": 2**64 - 1,
                        "description": "for a reproducible journey; random if left out"}},
                        required=[])}}},
                "responses": {"201": _response("the first page of a new journey", "Journey"),
                              "400": _BAD, "413": _TOO_LARGE},
            }},
            "/api/v1/journeys/{token}": {"get": {
                "summary": "The current page of a journey",
                "operationId": "getJourney",
                "parameters": [_TOKEN_PARAMETER],
                "responses": {"200": _response("the page", "Journey"), "400": _BAD},
            }},
            "/api/v1/journeys/{token}/choices": {"post": {
                "summary": "Take a choice (use index 0 for a chance or a continue)",
                "operationId": "choose",
                "parameters": [_TOKEN_PARAMETER],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": _object({"choice": {"type": "integer", "minimum": 0}})}}},
                "responses": {
                    "200": _response("the page after the choice", "Journey"),
                    "400": _BAD, "413": _TOO_LARGE,
                    "409": _response("that choice is not open in this state", "Error"),
                },
            }},
        },
        "components": {"schemas": {
            "Error": _ERROR,
            "View": _VIEW,
            "Journey": _JOURNEY,
            "Story": _object({
                "id": _STRING, "title": _STRING, "version": _STRING, "locale": _STRING,
                "summary": _STRING, "start": _STRING,
                "content_notes": {"type": "object", "additionalProperties": _STRING},
                "chapters": {"type": "array", "items": _object({
                    "id": _STRING, "number": {"type": "integer"}, "title": _STRING})},
                "endings": {"type": "array", "items": _object({
                    "class": _STRING, "title": _STRING, "description": _STRING})},
                "waypoints": {"type": "array", "items": _object({
                    "key": _STRING, "name": _STRING, "country": _STRING,
                    "lon": {"type": "number"}, "lat": {"type": "number"}})},
                "sources": {"type": "array", "items": _object({
                    "key": _STRING, "publisher": _STRING, "title": _STRING, "date": _STRING,
                    "url": _NULLABLE_STRING, "note": _NULLABLE_STRING})},
            }),
        }},
    }
