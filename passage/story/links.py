"""Finding link lists (choices, chance outcomes, jump branches) by their lines.

A link list is a run of bullet lines that are each ``[text](#scene){attributes}``
(chance outcomes start with a probability). Their grammar is line-shaped and
strict, so they are taken out of the chapter before Markdown parsing: list parsing
is the most expensive thing markdown-it does, and these lists are most of the lists
in a story. The lines are blanked, not removed, so every line number stays true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["LINK", "HeadingLine", "LinkLine", "LinkRun", "extract_link_runs"]

LINK = re.compile(
    r"^(?P<p>\d+(?:\.\d+)?(?:\s*/\s*\d+)?\s+)?"
    r"\[(?P<text>(?:[^\[\]]|\[[^\]]*\])+)\]\(#(?P<target>[^)\s]*)\)"
    r"\s*(?:\{(?P<attrs>.*)\})?\s*$",
    re.DOTALL,
)
_BULLET = re.compile(r"^[-*+] ")
_SCENE_HEADING = re.compile(r"^# (?P<text>.*?)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(slots=True)
class LinkLine:
    line: int  # 0-based line in the file
    text: str  # the line without its bullet
    match: re.Match[str]


@dataclass(slots=True)
class HeadingLine:
    """A scene heading (``# Title {#id}`` at the start of a line), read by its line too."""

    line: int  # 0-based line in the file
    text: str


@dataclass(slots=True)
class LinkRun:
    start: int  # 0-based line of the first item
    items: list[LinkLine] = field(default_factory=list)
    mixed: bool = False  # some bullet lines of the run are not links: an author's mistake


def extract_link_runs(
    lines: list[str], offset: int
) -> tuple[list[str], list[LinkRun], list[HeadingLine]]:
    """Blank out link lists and scene headings from ``lines[offset:]``.

    Scene headings are one line each and most of a chapter's headings; taking them out
    too spares markdown-it a block and an inline parse per scene.
    """
    out = list(lines)
    runs: list[LinkRun] = []
    headings: list[HeadingLine] = []
    fence: str | None = None
    index = offset
    while index < len(lines):
        line = lines[index]
        fenced = _FENCE.match(line)
        if fenced:
            marker = fenced.group(1)[0] * 3
            fence = None if fence == marker else (fence or marker)
        if fence is None and (heading := _SCENE_HEADING.match(line)):
            headings.append(HeadingLine(index, heading.group("text")))
            out[index] = ""
            index += 1
            continue
        if fence is not None or not _BULLET.match(line):
            index += 1
            continue
        start = index
        while index < len(lines) and _BULLET.match(lines[index]):
            index += 1
        run = LinkRun(start)
        for number in range(start, index):
            text = lines[number][2:]
            match = LINK.match(text)
            if match is not None:
                run.items.append(LinkLine(number, text, match))
        if not run.items:
            continue  # an ordinary list: Markdown's
        run.mixed = len(run.items) != index - start
        if not run.mixed:
            for number in range(start, index):
                out[number] = ""
        runs.append(run)
    return out, runs, headings
