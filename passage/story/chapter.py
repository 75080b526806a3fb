"""Reading one chapter file into draft scenes: the front matter, headings, blocks and choices.

This stage knows Markdown structure only; names, expressions and links are
resolved by ``compile`` once every chapter is read, so a link to a scene in a
later chapter is fine. Every draft keeps the line and column it came from.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from passage.story.attrs import Attributes, AttributeSyntaxError, parse_attributes
from passage.story.attrs import split_trailing_attributes as _split
from passage.story.config import toml_error
from passage.story.errors import Diagnostic, Location
from passage.story.markdown import BLOCKS, markdown

__all__ = ["DraftBlock", "DraftChapter", "DraftLink", "DraftScene", "read_chapter"]

_LINK = re.compile(
    r"^(?P<p>\d+(?:\.\d+)?(?:\s*/\s*\d+)?\s+)?"
    r"\[(?P<text>(?:[^\[\]]|\[[^\]]*\])+)\]\(#(?P<target>[^)\s]*)\)"
    r"\s*(?:\{(?P<attrs>.*)\})?\s*$",
    re.DOTALL,
)
_BLOCK_INFO = re.compile(
    r'^\s*(?P<name>\w+)\s*(?:"(?P<title>[^"]*)")?\s*(?:\{(?P<attrs>.*)\})?\s*$'
)


@dataclass(slots=True)
class DraftLink:
    """A choice, chance outcome or jump branch as written: ``[text](#target){attrs}``."""

    text: str
    target: str
    probability: str | None
    attrs: Attributes
    location: Location  # column = start of the attribute list's text (or of the line)


@dataclass(slots=True)
class DraftBlock:
    name: str
    title: str
    attrs: Attributes
    body: list[Token]
    links: list[DraftLink]
    location: Location


@dataclass(slots=True)
class DraftScene:
    id: str
    title: str
    attrs: Attributes
    location: Location
    prose: list[Token] = field(default_factory=list)
    blocks: list[DraftBlock] = field(default_factory=list)
    choices: list[DraftLink] | None = None
    exit_location: Location | None = None


@dataclass(slots=True)
class DraftChapter:
    file: str
    meta: dict[str, Any]
    meta_location: Location
    scenes: list[DraftScene]
    body_offset: int  # file line number of the body's first line, minus one


def read_chapter(file: str, text: str, diagnostics: list[Diagnostic]) -> DraftChapter:
    """Split a chapter into front matter and scenes; report problems into ``diagnostics``."""
    lines = text.splitlines()
    meta, offset = _front_matter(file, lines, diagnostics)
    body = "\n".join(lines[offset:])
    tokens = markdown().parse(body)
    for token in tokens:  # make line maps count from the top of the file
        if token.map:
            token.map = [token.map[0] + offset, token.map[1] + offset]
    reader = _Reader(file, lines, diagnostics)
    reader.read(tokens)
    return DraftChapter(file, meta, Location(file, 1), reader.scenes, offset)


def _front_matter(
    file: str, lines: list[str], diagnostics: list[Diagnostic]
) -> tuple[dict[str, Any], int]:
    if not lines or lines[0].strip() != "+++":
        diagnostics.append(
            Diagnostic(
                "error",
                "front-matter",
                "a chapter starts with '+++' front matter (id, title, waypoint)",
                Location(file, 1, 1),
            )
        )
        return {}, 0
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "+++":
            text = "\n".join(lines[1:number])
            try:
                return tomllib.loads(text), number + 1
            except tomllib.TOMLDecodeError as error:
                diagnostics.append(toml_error(file, error, text, line_offset=1))
                return {}, number + 1
    diagnostics.append(
        Diagnostic(
            "error", "front-matter", "front matter has no closing '+++'", Location(file, 1, 1)
        )
    )
    return {}, len(lines)


def _top_level(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Index ranges [start, end) of each top-level block."""
    ranges: list[tuple[int, int]] = []
    start = 0
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.nesting
        if depth == 0:
            ranges.append((start, index + 1))
            start = index + 1
    return ranges


class _Reader:
    def __init__(self, file: str, lines: list[str], diagnostics: list[Diagnostic]) -> None:
        self.file = file
        self.lines = lines
        self.diagnostics = diagnostics
        self.scenes: list[DraftScene] = []

    def error(self, code: str, message: str, location: Location) -> None:
        self.diagnostics.append(Diagnostic("error", code, message, location))

    def where(self, token: Token, column: int = 0) -> Location:
        line = (token.map[0] if token.map else 0) + 1
        return Location(self.file, line, column)

    def read(self, tokens: list[Token]) -> None:
        for start, end in _top_level(tokens):
            block = tokens[start:end]
            first = block[0]
            if first.type == "heading_open" and first.tag == "h1":
                self._scene(block)
                continue
            scene = self.scenes[-1] if self.scenes else None
            if scene is None:
                if first.type not in {"hr"}:
                    self.error(
                        "outside-scene",
                        "text before the first scene heading ('# Title {#id}')",
                        self.where(first, 1),
                    )
                continue
            self._content(scene, block)

    def _scene(self, block: list[Token]) -> None:
        inline = block[1]
        title, raw, column = _split(inline.content)
        location = self.where(block[0], 1)
        attrs = Attributes()
        if raw is None:
            self.error(
                "scene-id",
                f"scene heading {title!r} needs an id: '# {title} {{#some-id}}'",
                location,
            )
        else:
            attrs = self._attributes(raw, block[0], self._column_of(block[0], raw))
        del column
        if raw is not None and attrs.id is None:
            self.error(
                "scene-id", f"scene heading {title!r} needs '#id' in its attributes", location
            )
        self.scenes.append(DraftScene(attrs.id or "", title, attrs, location))

    def _column_of(self, token: Token, fragment: str) -> int:
        line_index = token.map[0] if token.map else 0
        if 0 <= line_index < len(self.lines):
            found = self.lines[line_index].find(fragment)
            if found >= 0:
                return found + 1
        return 1

    def _attributes(self, raw: str, token: Token, column: int) -> Attributes:
        try:
            return parse_attributes(raw, base=column - 1)
        except AttributeSyntaxError as error:
            self.error("attributes", error.message, self.where(token, error.offset + 1))
            return Attributes()

    def _content(self, scene: DraftScene, block: list[Token]) -> None:
        first = block[0]
        if scene.exit_location is not None:
            self.error(
                "after-exit",
                "nothing may follow a scene's choices, chance or jump "
                f"(scene {scene.id!r} ends at line {scene.exit_location.line})",
                self.where(first, 1),
            )
            return
        name = first.type.removeprefix("container_").removesuffix("_open")
        if first.type.startswith("container_") and name in BLOCKS:
            self._block(scene, name, block)
            return
        if first.type == "bullet_list_open":
            links = self._list_links(block, allow_probability=False)
            if links is not None:
                scene.choices = links
                scene.exit_location = self.where(first, 1)
                return
        if first.type == "paragraph_open" and block[1].content.startswith(":::"):
            self.error(
                "unknown-block",
                f"unknown block {block[1].content.splitlines()[0]!r} "
                f"(known: {', '.join(BLOCKS)}); check spelling and the closing ':::'",
                self.where(first, 1),
            )
            return
        scene.prose.extend(block)

    def _block(self, scene: DraftScene, name: str, block: list[Token]) -> None:
        first = block[0]
        match = _BLOCK_INFO.match(first.info)
        location = self.where(first, 1)
        if match is None:
            self.error(
                "block-syntax",
                f"cannot read the block header ':::{first.info}'; "
                "expected '::: name \"Title\" {attributes}'",
                location,
            )
            return
        attrs = Attributes()
        if match.group("attrs") is not None:
            attrs = self._attributes(
                match.group("attrs"), first, self._column_of(first, match.group("attrs"))
            )
        body = block[1:-1]
        links: list[DraftLink] = []
        if name in {"chance", "jump"}:
            found = self._list_links(body, allow_probability=name == "chance") if body else None
            if found is None:
                self.error(
                    "block-syntax",
                    f"a {name} block holds only a list of "
                    f"'{'- 0.5 ' if name == 'chance' else '- '}[text](#scene)' lines",
                    location,
                )
                return
            links = found
            scene.exit_location = location
        scene.blocks.append(
            DraftBlock(name, match.group("title") or "", attrs, body, links, location)
        )

    def _list_links(self, block: list[Token], allow_probability: bool) -> list[DraftLink] | None:
        """The items of a list of links, or None when the list is ordinary prose."""
        if not block or block[0].type != "bullet_list_open":
            return None
        items = [(s, e) for s, e in _top_level(block[1:-1])]
        links: list[DraftLink] = []
        matched = 0
        for start, end in items:
            item = block[1 + start : 1 + end]
            inlines = [t for t in item if t.type == "inline"]
            content = inlines[0].content if len(inlines) == 1 else ""
            match = _LINK.match(content)
            if match is None:
                continue
            matched += 1
            links.append(self._link(match, item[0], allow_probability))
        if matched == 0:
            return None
        if matched != len(items):
            self.error(
                "list-syntax",
                "every line of a choice list must be '[text](#scene){attributes}'",
                self.where(block[0], 1),
            )
        return links

    def _link(self, match: re.Match[str], token: Token, allow_probability: bool) -> DraftLink:
        probability = match.group("p")
        if probability is not None and not allow_probability:
            self.error(
                "list-syntax", "only chance outcomes start with a probability", self.where(token, 1)
            )
        if probability is None and allow_probability:
            self.error(
                "list-syntax",
                "a chance outcome starts with its probability: '- 0.3 [text](#scene)'",
                self.where(token, 1),
            )
        raw = match.group("attrs")
        column = self._column_of(token, raw) if raw is not None else 1
        attrs = self._attributes(raw, token, column) if raw is not None else Attributes()
        return DraftLink(
            text=match.group("text").strip(),
            target=match.group("target"),
            probability=probability.strip() if probability else None,
            attrs=attrs,
            location=self.where(token, column),
        )
