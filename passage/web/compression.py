"""Gzip for responses that are not already compressed, as a lean ASGI middleware.

Journey pages arrive here already compressed (see ``splice``) and pass through;
this compresses the rest (static CSS, JavaScript, the map, other pages, JSON).
A request that does not accept gzip is handed to the app untouched, so the
common fast paths pay nothing for compression they do not use.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Compression", "accepts_gzip"]

_COMPRESSIBLE = (b"text/", b"application/json", b"application/javascript",
                 b"image/svg+xml")


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


def _compressible(headers: list[tuple[bytes, bytes]]) -> bool:
    content_type = b""
    for name, value in headers:
        if name in (b"content-encoding", b"content-range"):
            return False
        if name == b"content-type":
            content_type = value
    return content_type.startswith(_COMPRESSIBLE)


class Compression:
    """Gzip (level 6) for compressible responses of at least ``minimum_size`` bytes."""

    def __init__(self, app: ASGIApp, minimum_size: int = 512, level: int = 6) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not accepts_gzip(scope):
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        compressor: zlib._Compress | None = None
        passing = False

        async def send_compressed(message: Message) -> None:
            nonlocal held, compressor, passing
            if passing:
                await send(message)
                return
            kind = message["type"]
            if kind == "http.response.start":
                if _compressible(list(message.get("headers", ()))):
                    held = message  # wait for the body to decide
                else:
                    passing = True
                    await send(message)
                return
            if kind != "http.response.body" or held is None:
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more: bool = message.get("more_body", False)
            if compressor is None:
                if not more and len(body) < self.minimum_size:
                    passing = True
                    await send(held)
                    await send(message)
                    return
                compressor = zlib.compressobj(self.level, zlib.DEFLATED, 31)
                headers = [(k, v) for k, v in held.get("headers", ()) if k != b"content-length"]
                headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
                data = compressor.compress(body)
                if not more:
                    data += compressor.flush()
                    headers.append((b"content-length", str(len(data)).encode()))
                await send({**held, "headers": headers})
                await send({"type": "http.response.body", "body": data, "more_body": more})
                return
            data = compressor.compress(body)
            if not more:
                data += compressor.flush()
            await send({"type": "http.response.body", "body": data, "more_body": more})

        await self.app(scope, receive, send_compressed)
