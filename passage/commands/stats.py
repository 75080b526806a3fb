"""``passage stats``: where journeys end, drop-off per chapter, choice shares; retention.

Reads the same database the server writes (SQLite in the data dir by default, or
``--database postgresql://…``). It never creates a database: pointing it at an
empty place says so instead of printing empty tables.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from passage.analytics.connect import (
    DEFAULT_DATA_DIR,
    DatabaseURLError,
    sqlite_path,
    store_factory,
)
from passage.analytics.events import hour_of
from passage.analytics.report import Report, build_report
from passage.analytics.store import Store, StoreUnavailableError
from passage.commands.common import DEFAULT_STORY, CommandError
from passage.story import Story, StoryError, compile_story

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "stats", help="anonymous choice statistics: endings, drop-off, choice shares"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--database",
        metavar="URL",
        help="postgresql://user@host/db, or a SQLite file (default: the data dir's)",
    )
    where.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        default=None,
        help=f"the server's data dir (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--story", metavar="ID", help="one story (default: every story recorded)")
    parser.add_argument(
        "--story-dir",
        metavar="DIR",
        type=Path,
        help="the story folder, for chapters and choice texts "
        "(default: stories/ID in this checkout)",
    )
    parser.add_argument("--version", metavar="V", help="one story version (default: all)")
    parser.add_argument(
        "--chart", metavar="FILE", type=Path, help="also draw a chart (.svg or .png)"
    )
    parser.add_argument(
        "--prune-before",
        metavar="DATE|Nd",
        help="delete step events older than DATE (YYYY-MM-DD) or N days, then stop;"
        " the anonymous tallies stay",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    data_dir = args.data_dir or DEFAULT_DATA_DIR
    try:
        path = sqlite_path(args.database, data_dir)
    except DatabaseURLError as error:
        raise CommandError(str(error)) from None
    if path is not None and not path.is_file():
        raise CommandError(
            f"no analytics database at {path} (has the server recorded anything?"
            " pass --data-dir or --database)",
            1,
        )
    store = store_factory(args.database, data_dir, migrate=args.prune_before is not None)()
    try:
        if args.prune_before is not None:
            return _prune(store, args.prune_before, console)
        return _report(store, args, console)
    except StoreUnavailableError as error:
        raise CommandError(f"cannot read the analytics database: {error}", 1) from None
    finally:
        store.close()


def _prune(store: Store, when: str, console: Console) -> int:
    cutoff = parse_cutoff(when, datetime.now(UTC))
    deleted = store.prune(cutoff)
    console.print(
        f"deleted {deleted:,} step events from before {cutoff:%Y-%m-%d %H:%M} UTC"
        f" ({escape(store.where)})"
    )
    return 0


def parse_cutoff(text: str, now: datetime) -> datetime:
    """``2025-01-31`` (that day, 00:00 UTC) or ``90d`` (90 days before this hour)."""
    days = re.fullmatch(r"\s*(\d{1,5})\s*d\s*", text)
    if days:
        return hour_of(now) - timedelta(days=int(days.group(1)))
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise CommandError(
            f"--prune-before {text!r}: use a date like 2025-01-31 or a number of days like 90d"
        ) from None


def _report(store: Store, args: argparse.Namespace, console: Console) -> int:
    if store.schema_version() == 0:
        raise CommandError(
            f"{store.where}: not an analytics database (no schema); has the"
            " server recorded anything?",
            1,
        )
    recorded = sorted({t.story_id for t in store.stories()})
    if args.story is not None and args.story not in recorded:
        known = ", ".join(recorded) or "none"
        raise CommandError(
            f"no events for story {args.story!r} in {store.where} (stories recorded: {known})", 1
        )
    ids = [args.story] if args.story is not None else recorded
    if not ids:
        console.print(f"no journeys recorded yet in {store.where}", markup=False)
        return 0
    if args.chart is not None and len(ids) > 1:
        raise CommandError(f"--chart draws one story; pick one with --story ({', '.join(ids)})")
    console.print(f"[bold]Choice statistics[/] from {escape(store.where)}")
    for story_id in ids:
        story = _story(story_id, args.story_dir if args.story is not None else None, console)
        report = build_report(store, story_id, args.version, story, datetime.now(UTC))
        show(report, console)
        if args.chart is not None:
            from passage.analytics.chart import ChartError, draw_chart  # matplotlib: only if asked

            try:
                draw_chart(report, args.chart)
            except ChartError as error:
                raise CommandError(str(error)) from None
            console.print(f"chart written to {escape(str(args.chart))}")
    return 0


def _story(story_id: str, story_dir: Path | None, console: Console) -> Story | None:
    """The compiled story for titles and chapters, or None (with a note) if not at hand."""
    folder = story_dir or _find_story(story_id)
    if folder is None:
        console.print(
            f"(story folder for {story_id!r} not found: no chapters or choice texts;"
            " pass --story-dir)",
            style="yellow",
            markup=False,
        )
        return None
    try:
        return compile_story(folder)
    except StoryError:
        console.print(
            f"(the story in {folder} does not compile: no chapters or choice texts;"
            f" run 'passage check {folder}')",
            style="yellow",
            markup=False,
        )
        return None


def _find_story(story_id: str) -> Path | None:
    for toml in sorted(DEFAULT_STORY.parent.glob("*/story.toml")):
        try:
            if tomllib.loads(toml.read_text(encoding="utf-8")).get("id") == story_id:
                return toml.parent
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
    return None


def show(report: Report, console: Console) -> None:
    """The report as terminal tables."""
    span = ""
    if report.first_hour is not None and report.last_hour is not None:
        span = f", {report.first_hour:%Y-%m-%d %H:00} to {report.last_hour:%Y-%m-%d %H:00} UTC"
    versions = escape(", ".join(report.versions) or "-")
    console.print(
        f"\n[bold]{escape(report.story_id)}[/] (versions {versions}):"
        f" {report.journeys:,} journeys, {report.steps:,} steps{span}"
    )
    total = max(report.journeys, 1)
    ends = Table(title="Where journeys end", title_justify="left")
    ends.add_column("end")
    ends.add_column("journeys", justify="right")
    ends.add_column("share", justify="right")
    for row in report.ends:
        ends.add_row(escape(row.label), f"{row.journeys:,}", f"{row.journeys / total:.1%}")
    console.print(ends)
    if report.chapters is not None:
        chapters = Table(title="Drop-off per chapter", title_justify="left")
        for name, justify in (
            ("chapter", "left"),
            ("reached", "right"),
            ("of all journeys", "right"),
            ("lost since previous", "right"),
        ):
            chapters.add_column(name, justify=justify)  # type: ignore[arg-type]
        for c in report.chapters:
            chapters.add_row(
                escape(f"{c.number}. {c.title}"),
                f"{c.journeys:,}",
                f"{c.journeys / total:.1%}",
                f"{c.lost:,}" if c.number > 1 else "",
            )
        console.print(chapters)
    shares = Table(title="How journeys chose", title_justify="left")
    for name, justify in (
        ("scene", "left"),
        ("choice or outcome", "left"),
        ("journeys", "right"),
        ("share", "right"),
    ):
        shares.add_column(name, justify=justify)  # type: ignore[arg-type]
    for scene in report.scenes:
        label = escape(scene.title + (" (chance)" if scene.kind == "chance" else ""))
        if not scene.shares:
            shares.add_row(
                label,
                f"(fewer than {report.threshold} journeys: not shown)",
                f"{scene.journeys:,}",
                "",
            )
            continue
        at = sum(n for _, _, n in scene.shares) or 1
        for index, (_, text, count) in enumerate(scene.shares):
            shares.add_row(
                label if index == 0 else "", escape(text), f"{count:,}", f"{count / at:.1%}"
            )
        shares.add_section()
    console.print(shares)
