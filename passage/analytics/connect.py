"""From ``--database`` / ``--data-dir`` to a store: the one place URLs are understood."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from passage.analytics.postgres import PostgresStore, redact
from passage.analytics.sqlite import SqliteStore
from passage.analytics.store import Store

__all__ = [
    "DEFAULT_DATA_DIR",
    "SQLITE_FILE",
    "DatabaseURLError",
    "describe",
    "sqlite_path",
    "store_factory",
]

DEFAULT_DATA_DIR = Path(os.environ.get("PASSAGE_DATA_DIR", "data"))
SQLITE_FILE = "analytics.sqlite3"


class DatabaseURLError(ValueError):
    """``--database`` names something this build cannot open."""


def sqlite_path(database: str | None, data_dir: Path) -> Path | None:
    """The SQLite file meant by ``database`` (None: the default in the data dir), or None
    when ``database`` is a PostgreSQL URL."""
    if database is None or database == "":
        return data_dir / SQLITE_FILE
    if database.startswith(("postgresql://", "postgres://")):
        return None
    if database.startswith("sqlite:///"):
        return Path(database.removeprefix("sqlite://"))
    if database.startswith("sqlite://"):
        return Path(database.removeprefix("sqlite://"))
    if "://" in database:
        scheme = database.split("://", 1)[0]
        raise DatabaseURLError(
            f"--database {redact(database)!r}: unknown scheme {scheme!r}; use "
            "postgresql://user@host:port/dbname, sqlite:///path/to/file.sqlite3 or a file path"
        )
    return Path(database)


def store_factory(
    database: str | None, data_dir: Path, *, migrate: bool = True
) -> Callable[[], Store]:
    """A function that opens a new store (one per thread: connections are not shared).

    Opening is lazy: nothing connects until the first query, so a server starts even
    while its database is down (events then go to the journal)."""
    path = sqlite_path(database, data_dir)
    if path is None:
        assert database is not None
        url = database
        return lambda: PostgresStore(url, migrate=migrate)
    return lambda: SqliteStore(path, migrate=migrate)


def describe(database: str | None, data_dir: Path) -> str:
    """Where events go, for the startup banner and messages (no password)."""
    path = sqlite_path(database, data_dir)
    return f"SQLite {path}" if path is not None else f"PostgreSQL {redact(database or '')}"
