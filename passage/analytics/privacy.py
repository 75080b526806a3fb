"""When not to record: Do-Not-Track, Global Privacy Control, and the reader's own opt-out.

The check lives here, not in the web tier, so every front-end honours the same
signals. A request that sends any of them records nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["OPT_OUT_COOKIE", "recording_allowed"]

OPT_OUT_COOKIE = "passage-no-stats"
"""Set (to "1") by the opt-out form on the privacy page; it is only ever read, never required."""


def recording_allowed(headers: Mapping[str, str], cookies: Mapping[str, str] | None = None) -> bool:
    """False when the browser sends ``DNT: 1`` or ``Sec-GPC: 1``, or the reader opted out.

    ``headers`` must look names up case-insensitively (Starlette's ``Headers`` does);
    plain dicts are also searched case-insensitively here.
    """
    if _header(headers, "dnt") == "1" or _header(headers, "sec-gpc") == "1":
        return False
    return not (cookies and cookies.get(OPT_OUT_COOKIE) == "1")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return (value or "").strip()
