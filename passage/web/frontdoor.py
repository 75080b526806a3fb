"""The front door: journey pages and the health check first, everything else behind.

Journey pages are nearly all of a running server's traffic; they and the health
check (which load balancers, and the benchmark's hello-world baseline, ask for)
are answered here in plain ASGI. Every other request goes on to the Starlette
app with its middleware, router and error pages. Both fast answers carry the
same security headers as everything else.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from passage.web.journeyroute import JourneyRoute, split_journey_path
from passage.web.security import SECURITY_HEADERS

__all__ = ["FrontDoor"]

_HEALTH_HEADERS = [*SECURITY_HEADERS, (b"content-type", b"text/plain; charset=utf-8"),
                   (b"cache-control", b"no-store"), (b"content-length", b"2")]


class FrontDoor:
    """ASGI: ``/healthz`` and ``/play/…`` answered here, the rest passed to ``rest``."""

    def __init__(self, journeys: JourneyRoute, rest: ASGIApp) -> None:
        self.journeys = journeys
        self.rest = rest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == "/healthz" and scope["method"] in ("GET", "HEAD"):
                await send({"type": "http.response.start", "status": 200,
                            "headers": _HEALTH_HEADERS})
                await send({"type": "http.response.body", "body": b"ok"})
                return
            journey = split_journey_path(path)
            if journey is not None:
                await self.journeys.answer(scope, receive, send, *journey)
                return
        await self.rest(scope, receive, send)
