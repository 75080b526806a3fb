"""``passage play DIR``: read the story in the terminal, or play N random journeys."""

from __future__ import annotations

import argparse
import secrets
import statistics

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from passage.autoplay import AutoplayResult, play_random
from passage.commands.common import CommandError, load_story
from passage.story.model import Ending, Story
from passage.terminal import TerminalPlayer

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("play", help="play a story in the terminal")
    parser.add_argument(
        "story", nargs="?", default=None, help="story folder (default: the flagship)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for a reproducible journey")
    parser.add_argument(
        "--auto",
        type=int,
        metavar="N",
        default=0,
        help="play N random journeys and print how they ended",
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="with --auto: list content random play never reached",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    story = load_story(args.story, console)
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    if args.auto < 0:
        raise CommandError("--auto needs a positive number of journeys")
    if args.auto:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Playing journeys", total=args.auto)
            result = play_random(
                story,
                args.auto,
                seed,
                args.coverage,
                progress=lambda done: progress.update(task, completed=done),
            )
        _report(story, result, console)
        _reading(story, result, console)
        if args.coverage:
            _coverage(story, result, console)
        return 0
    player = TerminalPlayer(story, console, console.input)
    player.run(seed)
    return 0


def _report(story: Story, result: AutoplayResult, console: Console) -> None:
    total = result.journeys
    console.print(
        f"{total:,} journeys, {result.steps:,} steps, "
        f"{result.steps / max(total, 1):.1f} steps per journey"
    )
    classes = Table(title="Ending classes")
    classes.add_column("class")
    classes.add_column("journeys", justify="right")
    classes.add_column("share", justify="right")
    for key, ending in story.endings.items():
        count = result.classes[key]
        classes.add_row(Text(ending.title), f"{count:,}", f"{count / max(total, 1):.1%}")
    console.print(classes)
    endings = Table(title="Endings")
    endings.add_column("ending scene")
    endings.add_column("class")
    endings.add_column("journeys", justify="right")
    endings.add_column("share", justify="right")
    for scene in story.scenes.values():
        if isinstance(scene.exit, Ending):
            count = result.endings[scene.id]
            endings.add_row(
                scene.id, scene.exit.ending_class, f"{count:,}", f"{count / max(total, 1):.1%}"
            )
    console.print(endings)
    unreached = [
        s.id
        for s in story.scenes.values()
        if isinstance(s.exit, Ending) and not result.endings[s.id]
    ]
    console.print(
        f"every ending reached: {'yes' if not unreached else 'no'}"
        + (f" (not reached: {', '.join(unreached)})" if unreached else "")
    )


WORDS_PER_MINUTE = 230


def _reading(story: Story, result: AutoplayResult, console: Console) -> None:
    """How long journeys take to read: authors aim the full journey at 15–25 minutes."""
    if not result.words:
        return
    table = Table(
        title="Reading time (prose, fact cards, choices and epilogues, "
        f"at {WORDS_PER_MINUTE} words a minute)"
    )
    table.add_column("journeys ending in")
    table.add_column("median words", justify="right")
    table.add_column("minutes", justify="right")
    rows = [("all journeys", result.words)]
    rows += [(story.endings[key].title, words) for key, words in result.class_words.items()]
    for label, words in rows:
        middle = statistics.median(words)
        table.add_row(Text(label), f"{middle:,.0f}", f"{middle / WORDS_PER_MINUTE:.0f}")
    console.print(table)
    chapters = Table(title="Words read per chapter (journeys that pass through it)")
    chapters.add_column("chapter")
    chapters.add_column("median words", justify="right")
    for chapter in story.chapters:
        words = result.chapter_words.get(chapter.id, [])
        if words:
            chapters.add_row(Text(chapter.title), f"{statistics.median(words):,.0f}")
    console.print(chapters)


def _coverage(story: Story, result: AutoplayResult, console: Console) -> None:
    scenes, choices, outcomes = result.coverage.missing(story)
    console.print(f"coverage: {len(story.scenes) - len(scenes)}/{len(story.scenes)} scenes visited")
    for scene in scenes:
        console.print(f"  scene never visited: {scene} ({story.scenes[scene].location})")
    for scene_id, index in choices:
        exit_ = story.scenes[scene_id].exit
        text = exit_.choices[index].text if hasattr(exit_, "choices") else ""
        console.print(f"  choice never taken: {scene_id} #{index + 1} {text!r}", markup=False)
    for scene_id, index in outcomes:
        console.print(f"  chance outcome never drawn: {scene_id} outcome {index + 1}")
    if not (scenes or choices or outcomes):
        console.print("  random play reached every scene, choice and chance outcome")
