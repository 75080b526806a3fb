"""Reading one chapter file into draft scenes: the front matter, headings, blocks and choices.

This stage knows Markdown structure only; names, expressions and links are
resolved by ``compile`` once every chapter is read, so a link to a scene in a
later chapter is fine. Every draft keeps the line and column it came from.
"""

from __future__ import annotations

import re
import tomllib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from passage.story.attrs import Attributes, AttributeSyntaxError, parse_attributes
from passage.story.attrs import split_trailing_attributes as _split
from passage.story.config import toml_error
from passage.story.errors import Diagnostic, Location
from passage.story.links import HeadingLine, LinkLine, LinkRun, extract_link_runs
from passage.story.markdown import BLOCKS, block_name, markdown

__all__ = ["DraftBlock", "DraftChapter", "DraftLink", "DraftScene", "read_chapter"]

_BLOCK_INFO = re.compile(
    r'^\s*(?P<name>\w+)\s*(?:"(?P<title>[^"]*)")?\s*(?:\{(?P<attrs>.*)\})?\s*$'
)


@dataclass(slots=True)
class DraftLink:
    """A choice, chance outcome or jump branch as written: ``[text](#target){attrs}``."""

    text: str  # the link text, inline Markdown
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
    blanked, runs, headings = extract_link_runs(lines, offset)
    body = "\n".join(blanked[offset:])
    tokens = markdown().parse(body)
    for token in tokens:  # make line maps count from the top of the file
        if token.map:
            token.map = [token.map[0] + offset, token.map[1] + offset]
    reader = _Reader(file, lines, diagnostics)
    reader.read(tokens, runs, headings)
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

    def read(self, tokens: list[Token], runs: list[LinkRun], headings: list[HeadingLine]) -> None:
        self.runs = deque(runs)  # in line order, consumed from the front
        self.headings = deque(headings)
        for start, end in _top_level(tokens):
            block = tokens[start:end]
            first = block[0]
            self._flush_runs(first.map[0] if first.map else 0)
            if first.type == "heading_open" and first.tag == "h1":  # an unusual h1 (setext)
                self._scene(block[1].content, first.map[0] if first.map else 0)
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
        self._flush_runs(len(self.lines))

    def _flush_runs(self, before: int) -> None:
        """Headings and top-level link lists before line ``before``, in line order."""
        while True:
            run_line = self.runs[0].start if self.runs else before
            heading_line = self.headings[0].line if self.headings else before
            if heading_line < min(run_line, before):
                heading = self.headings.popleft()
                self._scene(heading.text, heading.line)
            elif run_line < before:
                self._choice_list(self.runs.popleft())
            else:
                return

    def _choice_list(self, run: LinkRun) -> None:
        """A top-level link list: the scene's choices."""
        location = Location(self.file, run.start + 1, 1)
        if run.mixed:  # reported, then read as far as it goes to spare follow-on errors
            self.error(
                "list-syntax",
                "every line of a choice list must be '[text](#scene){attributes}'",
                location,
            )
        if not self.scenes:
            self.error("outside-scene", "choices before the first scene heading", location)
            return
        scene = self.scenes[-1]
        if scene.exit_location is not None:
            self.error(
                "after-exit",
                "nothing may follow a scene's choices, chance or jump "
                f"(scene {scene.id!r} ends at line {scene.exit_location.line})",
                location,
            )
            return
        scene.choices = [self._link(item, allow_probability=False) for item in run.items]
        scene.exit_location = location

    def _runs_within(self, first: int, last: int) -> list[LinkRun]:
        del first  # runs before the block were flushed before it was read
        inside = []
        while self.runs and self.runs[0].start < last:
            inside.append(self.runs.popleft())
        return inside

    def _scene(self, content: str, line: int) -> None:
        title, raw, column = _split(content)
        location = Location(self.file, line + 1, 1)
        attrs = Attributes()
        if raw is None:
            self.error(
                "scene-id",
                f"scene heading {title!r} needs an id: '# {title} {{#some-id}}'",
                location,
            )
        else:
            attrs = self._line_attributes(raw, line, self._column_in(line, raw))
        del column
        if raw is not None and attrs.id is None:
            self.error(
                "scene-id", f"scene heading {title!r} needs '#id' in its attributes", location
            )
        self.scenes.append(DraftScene(attrs.id or "", title, attrs, location))

    def _column_of(self, token: Token, fragment: str) -> int:
        return self._column_in(token.map[0] if token.map else 0, fragment)

    def _column_in(self, line_index: int, fragment: str) -> int:
        if 0 <= line_index < len(self.lines):
            found = self.lines[line_index].find(fragment)
            if found >= 0:
                return found + 1
        return 1

    def _line_attributes(self, raw: str, line: int, column: int) -> Attributes:
        try:
            return parse_attributes(raw, base=column - 1)
        except AttributeSyntaxError as error:
            self.error("attributes", error.message, Location(self.file, line + 1, error.offset + 1))
            return Attributes()

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
        if first.type == "container_passage_open":
            self._block(scene, block_name(first.info), block)
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
        span = first.map or [0, 0]
        inside = self._runs_within(span[0], span[1])
        if name in {"chance", "jump"}:
            found = None
            if (
                len(inside) == 1
                and not inside[0].mixed
                and not any(
                    t.type != "paragraph_open" and t.level == 0 and t.nesting == 1 for t in body
                )
            ):
                found = [self._link(item, name == "chance") for item in inside[0].items]
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
        elif inside:
            self.error("block-syntax", f"a {name} block cannot hold a choice list", location)
        scene.blocks.append(
            DraftBlock(name, match.group("title") or "", attrs, body, links, location)
        )

    def _link(self, item: LinkLine, allow_probability: bool) -> DraftLink:
        match = item.match
        where = Location(self.file, item.line + 1, 1)
        probability = match.group("p")
        if probability is not None and not allow_probability:
            self.error("list-syntax", "only chance outcomes start with a probability", where)
        if probability is None and allow_probability:
            self.error(
                "list-syntax",
                "a chance outcome starts with its probability: '- 0.3 [text](#scene)'",
                where,
            )
        raw = match.group("attrs")
        column = 1
        attrs = Attributes()
        if raw is not None:
            column = match.start("attrs") + 3  # the bullet and its space come first
            try:
                attrs = parse_attributes(raw, base=column - 1)
            except AttributeSyntaxError as error:
                self.error(
                    "attributes",
                    error.message,
                    Location(self.file, item.line + 1, error.offset + 1),
                )
        return DraftLink(
            text=match.group("text").strip(),
            target=match.group("target"),
            probability=probability.strip() if probability else None,
            attrs=attrs,
            location=Location(self.file, item.line + 1, column),
        )
