"""The embedded back-end: one SQLite file in the data dir, in WAL mode.

WAL lets the aggregate cache and ``passage stats`` read while a writer writes,
and several worker processes share the file (one writer at a time, each waiting
at most ``busy_timeout``). ``synchronous=FULL`` because an event that the writer
has committed must survive a power cut just as a journaled one does. Every
database error surfaces as :class:`StoreUnavailableError` and drops the connection, so
a file that becomes writable again is picked up by the next attempt.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from passage.analytics.events import StepEvent
from passage.analytics.store import (
    BatchRefusedError,
    Mode,
    Row,
    Store,
    StoreUnavailableError,
    Tx,
    event_row,
)

__all__ = ["SqliteStore"]

_HOUR = "%Y-%m-%d %H:%M:%S"
# errors about the data sent, not about the database: retrying the same batch cannot help
_REFUSALS = (
    sqlite3.DataError,
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
)


@lru_cache(maxsize=256)
def _hour_text(hour: datetime) -> str:
    """Events of one hour share the text (an lru_cache: strftime is dear at this rate)."""
    if hour.tzinfo is not None:
        hour = hour.astimezone(UTC)
    return hour.strftime(_HOUR)


class _SqliteTx(Tx):
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(sql, tuple(params)).rowcount

    def query_many(self, sql: str, params: Sequence[Any], columns: str) -> list[Row]:
        packed = self.query(f"SELECT json_group_array(json_array({columns})) FROM ({sql})", params)
        return [tuple(row) for row in json.loads(packed[0][0])]

    @property
    def max_params(self) -> int:  # type: ignore[override]
        return self._connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


class SqliteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: Path, busy_timeout: float = 2.0, migrate: bool = True) -> None:
        self.path = path
        self.where = str(path)
        self._busy_timeout = busy_timeout
        self._migrate = migrate
        self._connection: sqlite3.Connection | None = None

    @contextmanager
    def transaction(self, mode: Mode = "read") -> Iterator[Tx]:
        connection = self._connect()
        try:
            connection.execute("BEGIN" if mode == "read" else "BEGIN IMMEDIATE")
            yield _SqliteTx(connection)
            connection.execute("COMMIT")
        except _REFUSALS as error:
            self.reset()
            raise BatchRefusedError(f"{self.where}: {error}") from error
        except sqlite3.Error as error:
            self.reset()
            raise StoreUnavailableError(f"{self.where}: {error}") from error
        except BaseException:
            self.reset()  # closing rolls back whatever the body left open
            raise

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as error:
            raise StoreUnavailableError(f"{self.where}: {error}") from error
        try:
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA cache_size=-32000")
        except sqlite3.Error as error:
            connection.close()
            raise StoreUnavailableError(f"{self.where}: {error}") from error
        self._connection = connection
        self._migrate_on_first_connection()
        return connection

    def _schema_table(self, tx: Tx) -> bool:
        rows = tx.query("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'")
        return bool(rows[0][0])

    def _insert(self, tx: Tx, events: Sequence[StepEvent]) -> set[tuple[str, int]]:
        # BEGIN IMMEDIATE holds the only write lock, so nothing can have been stored since
        # the transaction looked: a plain INSERT, and a conflict here would be a real error.
        values: list[Any] = []
        add = values.extend
        for e in events:
            add(event_row(e, _hour_text))
        tx.insert_flat(
            "INSERT INTO step_events (journey_id, step, story_id, story_version, scene, choice,"
            " outcome, arrived, ending_class, locale, hour)",
            values,
            11,
        )
        return {(e.journey_id, e.step) for e in events}

    def _related(self, tx: Tx, batch: Sequence[StepEvent]) -> list[Row]:
        # Three exact index lookups per event (migrations 1 and 3). CROSS JOIN fixes the
        # join order: left to itself, SQLite may scan the whole table for a long batch.
        rows: dict[tuple[str, int], Row] = {}
        per = max(1, tx.max_params // 3)
        columns = "s.journey_id, s.step, s.scene, s.choice, s.outcome, s.ending_class"
        names = "journey_id, step, scene, choice, outcome, ending_class"
        for start in range(0, len(batch), per):
            chunk = batch[start : start + per]
            keys = "".join([", (?, ?, ?)"] * (len(chunk) - 1))
            found = tx.query_many(
                "WITH k (j, st, sc) AS"
                f" (VALUES (CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT)){keys})"
                f" SELECT {columns} FROM k CROSS JOIN step_events s"
                " WHERE s.journey_id = k.j AND s.step = k.st"
                f" UNION ALL SELECT {columns} FROM k CROSS JOIN step_events s"
                " WHERE s.journey_id = k.j AND s.scene = k.sc"
                f" UNION ALL SELECT {columns} FROM k CROSS JOIN step_events s"
                " WHERE s.journey_id = k.j AND s.ending_class IS NOT NULL",
                [v for e in chunk for v in (e.journey_id, e.step, e.scene)],
                names,
            )
            for row in found:
                rows[(row[0], int(row[1]))] = row
        return list(rows.values())

    def _hour_param(self, hour: datetime) -> Any:
        return _hour_text(hour)

    def _hour_value(self, value: Any) -> datetime:
        return datetime.strptime(str(value), _HOUR).replace(tzinfo=UTC)

    def reset(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(sqlite3.Error):
                connection.close()

    def backup(self, target: Path) -> None:
        """A consistent copy while writers keep writing (SQLite's online backup)."""
        source = self._connect()
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
