"""Rendering the map: SVG from Graphviz, and a self-contained HTML page around it.

The HTML page embeds the SVG inline, with no script, font or style from anywhere
else (Privacy and Longevity in DESIGN.md): it opens from disk, years from now.
"""

from __future__ import annotations

import re
from html import escape

import graphviz

from passage.story.model import Story

__all__ = ["MapError", "html_page", "render_svg"]

_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)


class MapError(Exception):
    """Graphviz is missing or failed; the message says what to install or what broke."""


def render_svg(graph: graphviz.Digraph) -> str:
    try:
        svg = graph.pipe(format="svg", engine="dot", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise MapError("Graphviz's 'dot' program is not installed "
                       "(Debian: apt-get install graphviz; or run scripts/setup)") from None
    except graphviz.CalledProcessError as error:
        raise MapError(f"Graphviz failed: {error.stderr!r}") from None
    return str(svg)


def html_page(story: Story, svg: str) -> str:
    """A page with the map inline: readable offline, scrollable, printable."""
    inline = _PROLOG.sub("", svg, count=1)
    title = escape(f"{story.title}: story map")
    return f"""<!doctype html>
<html lang="{escape(story.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem; color: #111; background: #fff; }}
.map {{ overflow: auto; border: 1px solid #ccc; }}
.map svg {{ display: block; height: auto; max-width: none; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>Scenes grouped by chapter. Percentages are the exact share of uniformly random
journeys that pass a scene or take a link; dashed red marks what no player can reach.
Hover over a scene for its file and line.</p>
<div class="map" role="img" aria-label="{title}">
{inline}
</div>
</body>
</html>
"""
