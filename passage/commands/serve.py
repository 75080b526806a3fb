"""``passage serve [DIR]``: the web player on a production ASGI server."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from passage.commands.common import CommandError, load_story
from passage.web.keys import ENV_KEY, KeyError_, load_or_create_key

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="serve a story to web browsers")
    parser.add_argument("story", nargs="?", default=None,
                        help="story folder (default: the flagship)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--data-dir", default="data",
                        help=f"where the signing key is kept (default ./data); "
                             f"{ENV_KEY} overrides it")
    parser.add_argument("--database", metavar="URL", default=None,
                        help="where choice statistics go: postgresql://user@host/dbname, or a"
                             " SQLite file (default: analytics.sqlite3 in the data dir)")
    parser.add_argument("--no-stats", action="store_true",
                        help="record no choice statistics and show none")
    parser.set_defaults(run=run)


def _prepare_statistics(database: str | None, data_dir: Path, console: Console) -> None:
    """Check the URL and migrate the schema once, here, before the workers start.

    A database that is down does not stop the server: the statistics writer journals events
    until it answers, so this only warns."""
    from passage.analytics.connect import DatabaseURLError, describe, store_factory
    from passage.analytics.migrations import SchemaError
    from passage.analytics.store import StoreUnavailableError

    try:
        store = store_factory(database, data_dir)()
    except DatabaseURLError as error:
        raise CommandError(str(error)) from None
    try:
        store.migrate()
        console.print(f"Choice statistics: {describe(database, data_dir)}",
                      markup=False, highlight=False)
    except SchemaError as error:
        raise CommandError(str(error)) from None
    except StoreUnavailableError as error:
        console.print(f"Choice statistics: {describe(database, data_dir)} is unavailable now"
                      f" ({error}); events will wait in the journal until it answers",
                      style="yellow", markup=False, highlight=False)
    finally:
        store.close()


def run(args: argparse.Namespace, console: Console) -> int:
    from passage.web.server import ServerConfig, run_server  # uvicorn only when serving

    if not 0 < args.port < 65536:
        raise CommandError(f"--port must be between 1 and 65535, not {args.port}")
    if not 0 < args.workers <= 64:
        raise CommandError(f"--workers must be between 1 and 64, not {args.workers}")
    story = load_story(args.story, console)
    data_dir = Path(args.data_dir)
    try:
        load_or_create_key(data_dir)
    except KeyError_ as error:
        raise CommandError(str(error)) from None
    stats = not args.no_stats
    if stats:
        _prepare_statistics(args.database, data_dir, console)
    config = ServerConfig(Path(story.root), data_dir, args.host, args.port, args.workers,
                          database=args.database, stats=stats)
    console.print(f"Serving “{story.title}” ({story.root}) with {args.workers} worker(s)",
                  markup=False, highlight=False)
    console.print(f"Open {config.url} in a browser; press Ctrl+C to stop.",
                  markup=False, highlight=False)
    run_server(config)
    console.print("Stopped.", markup=False, highlight=False)
    return 0
