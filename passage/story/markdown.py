"""CommonMark through markdown-it-py, rendered to safe HTML at compile time.

Raw HTML is never passed through (markdown-it escapes it), links may point only to a
declared scene or an ``https://`` address, and pictures must live inside the story
folder with alt text. Whatever an author writes, the HTML that reaches a browser is inert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

__all__ = [
    "BLOCKS",
    "LinkIssue",
    "RenderResult",
    "block_name",
    "markdown",
    "render_blocks",
    "render_inline",
]

BLOCKS = ("fact", "explore", "chance", "jump", "epilogue", "summary")


@cache
def markdown() -> MarkdownIt:
    """The one configured parser: CommonMark + tables + Passage's ``:::`` blocks, no HTML."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    # One container rule for all block names: markdown-it tries every block rule at every
    # line, so six separate rules cost six times as much on a long chapter.
    container_plugin(md, "passage", validate=_is_block)
    return md


def _is_block(params: str, markup: str) -> bool:
    words = params.strip().split(maxsplit=1)
    return bool(words) and words[0] in BLOCKS


def block_name(info: str) -> str:
    """The block name of a ``container_passage_open`` token's info string."""
    return info.strip().split(maxsplit=1)[0]


@dataclass(frozen=True, slots=True)
class LinkIssue:
    """A link or picture the compiler must check or reject; ``line`` is 0-based, -1 if unknown."""

    kind: str  # "scene" | "bad-link" | "image" | "bad-image"
    target: str
    alt: str
    line: int


@dataclass(slots=True)
class RenderResult:
    html: str
    text: str
    issues: list[LinkIssue] = field(default_factory=list)


def render_blocks(tokens: Sequence[Token]) -> RenderResult:
    """Render block tokens after making every link and picture safe."""
    md = markdown()
    issues: list[LinkIssue] = []
    text_parts: list[str] = []
    cleaned: list[Token] = []
    line = -1
    for token in tokens:
        if token.map:
            line = token.map[0]
        if token.type == "inline" and token.children is not None:
            token.children = _clean_inline(token.children, issues, line)
            text_parts.append(token.content)
        cleaned.append(token)
    html = md.renderer.render(cleaned, md.options, {})
    return RenderResult(html, "\n\n".join(text_parts), issues)


_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]<>&!~]")


def render_inline(text: str) -> RenderResult:
    """Render a line of inline Markdown (a choice's text) with the same safety rules.

    Most choice texts are plain words: they need only escaping, which is what the
    full inline parser would produce for them, at a fraction of the cost.
    """
    if not _INLINE_SPECIAL.search(text):
        return RenderResult(escapeHtml(text), text, [])
    md = markdown()
    issues: list[LinkIssue] = []
    tokens = md.parseInline(text, {})
    for token in tokens:
        if token.children is not None:
            token.children = _clean_inline(token.children, issues, -1)
    return RenderResult(md.renderer.render(tokens, md.options, {}), text, issues)


def _clean_inline(children: list[Token], issues: list[LinkIssue], line: int) -> list[Token]:
    """Drop scene links to their text, keep https links, and check pictures."""
    result: list[Token] = []
    dropping: list[bool] = []
    for child in children:
        if child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            if href.startswith("#"):
                issues.append(LinkIssue("scene", href[1:], "", line))
                dropping.append(True)
                continue
            if not href.startswith("https://"):
                issues.append(LinkIssue("bad-link", href, "", line))
                dropping.append(True)
                continue
            child.attrs["rel"] = "noopener noreferrer"
            dropping.append(False)
        elif child.type == "link_close":
            if dropping and dropping.pop():
                continue
        elif child.type == "image":
            src = str(child.attrs.get("src", ""))
            alt = "".join(c.content for c in (child.children or []))
            if _safe_media_path(src):
                issues.append(LinkIssue("image", src, alt, line))
            else:
                issues.append(LinkIssue("bad-image", src, alt, line))
                continue
        result.append(child)
    return result


def _safe_media_path(src: str) -> bool:
    path = PurePosixPath(src)
    return (
        bool(src)
        and not path.is_absolute()
        and ":" not in src
        and ".." not in path.parts
        and path.parts[0] == "media"
    )
