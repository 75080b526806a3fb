"""``passage odds DIR``: exact ending probabilities, best/worst players, checks against
the engine (``--simulate``) and against the record (``--calibrate``)."""

from __future__ import annotations

import argparse
import json
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from passage.commands.common import CommandError, load_story
from passage.engine.space import SpaceTooLarge
from passage.odds.calibrate import check_bands
from passage.odds.graph import DEFAULT_MAX_STATES
from passage.odds.render import print_bands, print_report, print_simulation
from passage.odds.simulate import compare, simulate
from passage.odds.solve import OddsError, solve
from passage.story.model import Story

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "odds", help="exact odds of every ending (random, best and worst players)",
        description="Exact probabilities of every ending over the reachable state space.")
    parser.add_argument("story", nargs="?", default=None,
                        help="story folder (default: the flagship)")
    parser.add_argument("--target", metavar="CLASS",
                        help="also show the best and the worst player for this ending class")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--simulate", type=int, metavar="N", default=0,
                        help="cross-check with N random journeys through the engine")
    parser.add_argument("--seed", type=int, default=1, help="seed for --simulate (default 1)")
    parser.add_argument("--calibrate", action="store_true",
                        help="compare with the [[calibration]] bands; exit 1 if one fails")
    parser.add_argument("--max-states", type=int, default=DEFAULT_MAX_STATES, metavar="N",
                        help=f"refuse stories with more reachable states "
                             f"(default {DEFAULT_MAX_STATES:,})")
    exactness = parser.add_mutually_exclusive_group()
    exactness.add_argument("--exact", dest="exact", action="store_true", default=None,
                           help="always add exact fractions (may be slow on large stories)")
    exactness.add_argument("--float", dest="exact", action="store_false",
                           help="never compute fractions")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    if args.simulate < 0:
        raise CommandError("--simulate needs a positive number of journeys")
    if args.max_states < 1:
        raise CommandError("--max-states needs a positive number")
    story = load_story(args.story, console)
    try:
        report = solve(story, args.target, args.max_states, args.exact)
    except SpaceTooLarge as error:
        raise CommandError(_too_large(story, error), 1) from None
    except OddsError as error:
        raise CommandError(str(error), 1) from None
    status = 0
    output = report.as_json()
    if not args.json:
        print_report(story, report, console)
    if args.simulate:
        began = time.process_time()
        with _progress(console, args.json) as progress:
            task = progress.add_task("Playing journeys", total=args.simulate)
            result = simulate(story, args.simulate, args.seed,
                              lambda done: progress.update(task, completed=done))
        seconds = time.process_time() - began
        classes, endings = compare(report.random, result)
        if not all(row.agrees() for row in classes + endings):
            status = 1
        output["simulation"] = {
            "journeys": result.journeys, "seed": args.seed, "steps": result.steps,
            "cpu_seconds": round(seconds, 3), "classes": [r.as_json() for r in classes],
            "endings": [r.as_json() for r in endings],
            "agrees": status == 0,
        }
        if not args.json:
            print_simulation(story, classes, result.journeys, result.steps, seconds, console)
    if args.calibrate:
        bands = check_bands(story, report.random)
        output["calibration"] = [band.as_json() for band in bands]
        if not all(band.inside for band in bands):
            status = 1
        if not args.json:
            print_bands(story, bands, console)
    if args.json:
        print(json.dumps(output, indent=2, ensure_ascii=False))
    return status


def _progress(console: Console, quiet: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=console, transient=True, disable=quiet)


def _too_large(story: Story, error: SpaceTooLarge) -> str:
    """Why the space is too large, in terms of what the author declared."""
    sizes = sorted(((len(v.domain()), v.name) for v in story.variables), reverse=True)
    named = ", ".join(f"{name} ({count} values)" for count, name in sizes[:5])
    return (f"{story.id}: more than {error.limit:,} reachable states; raise --max-states if "
            f"memory allows. The space multiplies the ranges of the variables a later choice "
            f"reads: {named or 'none'}; and counted visits "
            f"({len(story.tracked_scenes)} scene(s)). Narrow a range, or set a variable back "
            f"once no later choice needs it.")
