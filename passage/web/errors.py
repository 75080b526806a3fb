"""Friendly error pages (and JSON errors under /api/): what went wrong, and a way on.

A player who follows an old or damaged link should read what happened in plain
words and find a way to start again; an API client gets a stable error code.
Nothing here ever shows a traceback.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from passage.engine import TokenError
from passage.web.templating import Templates

__all__ = ["TOKEN_MESSAGES", "error_page", "exception_handlers", "token_error_page"]

_log = logging.getLogger("passage.web")

TOKEN_HEADING = "This page of the journey can't be opened"
TOKEN_MESSAGES = {
    "malformed": "The address of this page looks damaged: part of it may be missing or changed.",
    "forged": "The address of this page was not made by this site, or it was changed.",
    "version": "This page comes from a different version of this site.",
    "other-story": "This page belongs to another story.",
    "outdated": ("The story has been updated since this page was made, "
                 "and this page no longer fits it."),
}

_HTTP_PAGES = {
    400: ("This request can't be answered", "Something in the address or the form is not right."),
    404: ("There is no page here", "The address may be mistyped, or the page may have moved."),
    405: ("There is no page here", "This address can't be used that way."),
}


def error_page(templates: Templates, status: int, heading: str, message: str,
               detail: str | None = None, back: str | None = None) -> HTMLResponse:
    html = templates.render("error.html", heading=heading, message=message, detail=detail,
                            back=back)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def token_error_page(templates: Templates, error: TokenError) -> HTMLResponse:
    message = TOKEN_MESSAGES.get(error.reason, TOKEN_MESSAGES["malformed"])
    return error_page(templates, 400, TOKEN_HEADING, message,
                      "Your journey can't continue from here, but you can begin it again.")


def _json_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def exception_handlers(templates: Templates) -> dict[int | type[Exception], object]:
    """Handlers for Starlette: HTTP errors and unexpected exceptions, HTML or JSON by path."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        if request.url.path.startswith("/api/"):
            code = {404: "not-found", 405: "method-not-allowed"}.get(status, "bad-request")
            response: Response = _json_error(status, code, str(exc.detail))
            if exc.headers:
                response.headers.update(exc.headers)
            return response
        heading, message = _HTTP_PAGES.get(status, _HTTP_PAGES[400])
        response = error_page(templates, status, heading, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def server_error(request: Request, exc: Exception) -> Response:
        _log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        if request.url.path.startswith("/api/"):
            return _json_error(500, "server-error", "the server failed; please try again")
        return error_page(templates, 500, "Something went wrong on our side",
                          "The page could not be made. Please try again in a moment.")

    return {HTTPException: http_error, Exception: server_error}
