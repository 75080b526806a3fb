"""``passage check DIR``: lint a story; exit 1 when it has errors."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from passage.commands.common import DEFAULT_STORY
from passage.story.check import check_story

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("check", help="check a story for errors and warnings")
    parser.add_argument("story", nargs="?", default=str(DEFAULT_STORY), help="story folder")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    report = check_story(args.story)
    failed = bool(report.errors) or (args.strict and bool(report.warnings))
    if args.json:
        print(
            json.dumps(
                {
                    "story": args.story,
                    "ok": not failed,
                    "errors": len(report.errors),
                    "warnings": len(report.warnings),
                    "reachable_states": report.states,
                    "diagnostics": [d.as_json() for d in report.diagnostics],
                },
                indent=2,
            )
        )
        return 1 if failed else 0
    for diagnostic in report.diagnostics:
        style = "red" if diagnostic.severity == "error" else "yellow"
        console.print(f"{args.story}/{diagnostic}", style=style, markup=False, highlight=False)
    summary = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if report.story is not None:
        summary += f"; {len(report.story.scenes)} scenes"
    if report.states is not None:
        summary += f", {report.states:,} reachable states"
    console.print(summary, style="red" if failed else "green", markup=False, highlight=False)
    return 1 if failed else 0
