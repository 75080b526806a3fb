"""The story's own pictures and sound, served from its ``media/`` folder and nowhere else.

The path comes from the URL, so it is untrusted: only plain relative names inside
``media/`` with a known extension are served, after resolving symlinks. Story
media get a sandboxing Content-Security-Policy, so an SVG opened on its own can
never run script on this site.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

__all__ = ["MEDIA_CSP", "MEDIA_TYPES", "MediaFiles"]

MEDIA_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".gif": "image/gif", ".avif": "image/avif",
    ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4",
    ".mp4": "video/mp4", ".webm": "video/webm", ".vtt": "text/vtt",
}
MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; sandbox"


class MediaFiles:
    """An endpoint for ``/media/{path}`` over one story folder."""

    def __init__(self, story_root: Path) -> None:
        self.root = (story_root / "media").resolve()

    def find(self, name: str) -> Path | None:
        """The file for a URL path, or None if it is not a servable media file."""
        relative = PurePosixPath(name)
        if (not name or "\\" in name or "\x00" in name or relative.is_absolute()
                or any(part in ("", ".", "..") or part.startswith(".") for part in relative.parts)
                or relative.suffix.lower() not in MEDIA_TYPES):
            return None
        try:
            path = (self.root / relative).resolve()
        except (OSError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    async def endpoint(self, request: Request) -> Response:
        path = self.find(str(request.path_params.get("path", "")))
        if path is None:
            raise HTTPException(404)
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix.lower()], headers={
            "content-security-policy": MEDIA_CSP,
            "cache-control": "public, max-age=86400",
        })
