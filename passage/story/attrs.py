"""The ``{#id key=value key="quoted value"}`` attribute lists on headings, blocks and choices.

Written by hand rather than borrowed from a Markdown plugin so that every mistake
can name the column it is at, and so that an expression inside a value keeps its
offset for the expression checker's column numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["AttributeSyntaxError", "Attributes", "parse_attributes", "split_trailing_attributes"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_BARE = re.compile(r"[^\s\"'{}]+")


class AttributeSyntaxError(Exception):
    """A malformed attribute list; ``offset`` is the 0-based column inside the list's text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(slots=True)
class Attributes:
    """Parsed attributes; ``offsets`` gives where each value's text starts (0-based)."""

    id: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)
    id_offset: int = 0


def parse_attributes(text: str, base: int = 0) -> Attributes:
    """Parse the inside of ``{…}``; ``base`` is added to every offset reported."""
    result = Attributes()
    position = 0
    while position < len(text):
        char = text[position]
        if char.isspace() or char == ",":
            position += 1
            continue
        if char == "#":
            match = _BARE.match(text, position + 1)
            if match is None:
                raise AttributeSyntaxError("'#' must be followed by an id", base + position)
            if result.id is not None:
                raise AttributeSyntaxError("only one '#id' is allowed", base + position)
            result.id = match.group()
            result.id_offset = base + position + 1
            position = match.end()
            continue
        match = _NAME.match(text, position)
        if match is None:
            raise AttributeSyntaxError(f"unexpected {char!r} in attributes", base + position)
        name = match.group()
        position = match.end()
        if position >= len(text) or text[position] != "=":
            raise AttributeSyntaxError(f"attribute {name!r} needs '=value'", base + position)
        position += 1
        value, value_offset, position = _value(text, position, name, base)
        if name in result.values:
            raise AttributeSyntaxError(f"attribute {name!r} is given twice", base + match.start())
        result.values[name] = value
        result.offsets[name] = value_offset
    return result


def _value(text: str, position: int, name: str, base: int) -> tuple[str, int, int]:
    if position < len(text) and text[position] == '"':
        end = text.find('"', position + 1)
        if end < 0:
            raise AttributeSyntaxError(
                f"the value of {name!r} has no closing '\"'", base + position
            )
        return text[position + 1 : end], base + position + 1, end + 1
    match = _BARE.match(text, position)
    if match is None:
        raise AttributeSyntaxError(f"attribute {name!r} has no value", base + position)
    return match.group(), base + position, match.end()


def split_trailing_attributes(text: str) -> tuple[str, str | None, int]:
    """Split ``Title {…}`` into the title, the inside of the braces, and its offset.

    The first ``{`` whose remainder has balanced double quotes starts the list, so
    quotes in the title and ``}`` inside quoted values both work.
    """
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return text.strip(), None, 0
    for start, char in enumerate(stripped):
        if char == "{" and stripped[start + 1 : -1].count('"') % 2 == 0:
            return stripped[:start].strip(), stripped[start + 1 : -1], start + 1
    return text.strip(), None, 0
