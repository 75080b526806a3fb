"""``passage map DIR -o FILE.svg|FILE.html``: draw the story map for authors."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from passage.commands.common import CommandError, load_story
from passage.odds.graph import DEFAULT_MAX_STATES
from passage.storymap import draw, flow, html_page, render_svg
from passage.storymap.page import MapError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "map", help="draw the story map (SVG or HTML) with Graphviz",
        description="Draw the scene graph by chapter, with endings coloured by class, "
                    "links labelled with their text and how often random journeys take "
                    "them, and unreachable scenes highlighted.")
    parser.add_argument("story", nargs="?", default=None,
                        help="story folder (default: the flagship)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="where to write: a .svg or .html file")
    parser.add_argument("--max-states", type=int, default=DEFAULT_MAX_STATES, metavar="N",
                        help="draw without odds when the story has more reachable states")
    parser.add_argument("--dot", action="store_true", help="write the Graphviz source instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    output = Path(args.output)
    suffix = output.suffix.lower()
    if not args.dot and suffix not in {".svg", ".html", ".htm"}:
        raise CommandError(f"{output}: the map is written as .svg or .html (or use --dot)")
    if not output.parent.is_dir():
        raise CommandError(f"{output.parent}: no such folder")
    story = load_story(args.story, console)
    found = flow(story, args.max_states)
    graph = draw(story, found)
    if args.dot:
        text = graph.source
    else:
        try:
            svg = render_svg(graph)
        except MapError as error:
            raise CommandError(str(error), 1) from None
        text = svg if suffix == ".svg" else html_page(story, svg)
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{output}: {error.strerror}", 1) from None
    note = f" ({found.note})" if found.note else ""
    console.print(f"wrote {output}: {len(story.scenes)} scenes in {len(story.chapters)} "
                  f"chapters{note}", markup=False, highlight=False)
    return 0
