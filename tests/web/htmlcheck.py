"""Parses pages with the standard library and lists anything that could run or load.

Used by the inertness and security tests: a page may have exactly one script
(our static file), no event-handler attributes, no inline styles, no
``javascript:``/``data:`` URLs, and no embedded frames or objects.
"""

from __future__ import annotations

from html.parser import HTMLParser

__all__ = ["Audit", "audit"]

_FORBIDDEN_TAGS = {"iframe", "object", "embed", "style", "frame", "base", "form"}
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.problems: list[str] = []
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style on <{tag}>")
            if name == "id" and value:
                self.ids.add(value)
            if name in _URL_ATTRS and value is not None:
                lowered = "".join(value.split()).lower()
                if lowered.startswith(("javascript:", "data:", "vbscript:")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
                if name == "href":
                    self.links.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def audit(html: str) -> Audit:
    parser = Audit()
    parser.feed(html)
    parser.close()
    for script in parser.scripts:
        src = script.get("src") or ""
        if not src.startswith("/static/passage.js"):
            parser.problems.append(f"script other than /static/passage.js: {script}")
    return parser
