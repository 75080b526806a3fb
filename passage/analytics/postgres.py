"""The scale-out back-end: PostgreSQL through psycopg 3.

Several app servers write to one database. A batch is one ``INSERT … SELECT FROM
unnest(…) ON CONFLICT DO NOTHING RETURNING``, so the round trip does not grow
with the batch. Tally rows are upserted in key order, so two servers updating
the same tallies take their row locks in the same order. Connections time out
quickly and statements are bounded, because a writer stuck on a dead server is
a writer not journaling.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from passage.analytics.events import StepEvent
from passage.analytics.store import (
    _TALLY_CONFLICT,
    BatchRefusedError,
    Mode,
    Row,
    Store,
    StoreUnavailableError,
    Tx,
    clean_nul,
    event_row,
)

__all__ = ["PostgresStore", "redact"]

_SCHEMA_LOCK = 0x7061_7373  # "pass": the advisory lock key for migrations


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class _PostgresTx(Tx):
    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(sql.replace("?", "%s"), tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(sql.replace("?", "%s"), tuple(params)).rowcount

    max_params = 30_000  # the protocol allows 65,535


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(
        self,
        url: str,
        connect_timeout: int = 3,
        statement_timeout_ms: int = 10_000,
        migrate: bool = True,
    ) -> None:
        self.url = url
        self.where = redact(url)
        self._connect_timeout = connect_timeout
        self._statement_timeout = statement_timeout_ms
        self._migrate = migrate
        self._connection: psycopg.Connection[Any] | None = None

    @contextmanager
    def transaction(self, mode: Mode = "read") -> Iterator[Tx]:
        connection = self._connect()
        try:
            with connection.transaction():
                if mode == "schema":
                    connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                yield _PostgresTx(connection)
        except (psycopg.DataError, psycopg.IntegrityError) as error:
            self.reset()
            raise BatchRefusedError(f"{self.where}: {_first_line(error)}") from error
        except psycopg.Error as error:
            self.reset()
            raise StoreUnavailableError(f"{self.where}: {_first_line(error)}") from error
        except BaseException:
            self.reset()
            raise

    def _connect(self) -> psycopg.Connection[Any]:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        try:
            connection = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=self._connect_timeout,
                application_name="passage-analytics",
                options=f"-c statement_timeout={self._statement_timeout}",
            )
        except psycopg.Error as error:
            raise StoreUnavailableError(f"{self.where}: {_first_line(error)}") from error
        self._connection = connection
        self._migrate_on_first_connection()
        return connection

    def _schema_table(self, tx: Tx) -> bool:
        return tx.query("SELECT to_regclass('schema_migrations') IS NOT NULL")[0][0] is True

    # Batches travel as one JSON parameter: the server parses it in C, where psycopg
    # would adapt every value of every row in Python (measured: most of the writer's
    # CPU time with arrays or multi-row VALUES).
    def _insert(self, tx: Tx, events: Sequence[StepEvent]) -> set[tuple[str, int]]:
        rows = tx.query(
            "INSERT INTO step_events (journey_id, step, story_id, story_version, scene, choice,"
            " outcome, arrived, ending_class, locale, hour)"
            " SELECT r->>0, (r->>1)::int, r->>2, r->>3, r->>4, r->>5, r->>6, r->>7, r->>8,"
            " r->>9, (r->>10)::timestamptz FROM json_array_elements(?::json) AS r"
            " ON CONFLICT (journey_id, step) DO NOTHING RETURNING journey_id, step",
            (json.dumps([event_row(e, _hour_text) for e in events], ensure_ascii=False),),
        )
        return {(r[0], int(r[1])) for r in rows}

    def _prepare(self, batch: list[StepEvent]) -> list[StepEvent]:
        return [clean_nul(e) for e in batch]  # text cannot hold NUL in PostgreSQL

    def _related(self, tx: Tx, batch: Sequence[StepEvent]) -> list[Row]:
        # One index scan of each journey's rows (primary key prefix) on the server, which
        # returns only the matching ones. OFFSET 0 keeps the planner from flattening the
        # LATERAL subquery into a hash join over the whole table, which it picks whenever
        # its statistics lag behind a fast-growing table.
        rows = tx.query(
            "SELECT x.* FROM json_array_elements(?::json) AS k"
            " CROSS JOIN LATERAL (SELECT s.journey_id, s.step, s.scene, s.choice, s.outcome,"
            " s.ending_class FROM step_events s WHERE s.journey_id = k->>0 AND"
            " (s.step = (k->>1)::int OR s.scene = k->>2 OR s.ending_class IS NOT NULL) OFFSET 0) x",
            (json.dumps([(e.journey_id, e.step, e.scene) for e in batch], ensure_ascii=False),),
        )
        return list({(r[0], int(r[1])): r for r in rows}.values())

    def _add_tallies(self, tx: Tx, rows: list[tuple[str, str, str, str, str, int]]) -> None:
        tx.execute(
            "INSERT INTO tallies (story_id, story_version, kind, scene, item, journeys)"
            " SELECT r->>0, r->>1, r->>2, r->>3, r->>4, (r->>5)::bigint"
            " FROM json_array_elements(?::json) AS r ORDER BY 1, 2, 3, 4, 5 " + _TALLY_CONFLICT,
            (json.dumps(rows, ensure_ascii=False),),
        )

    def _hour_param(self, hour: datetime) -> Any:
        return hour if hour.tzinfo is not None else hour.replace(tzinfo=UTC)

    def _hour_value(self, value: Any) -> datetime:
        assert isinstance(value, datetime)
        return value.astimezone(UTC)

    def reset(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(psycopg.Error):
                connection.close()


@lru_cache(maxsize=256)
def _hour_text(hour: datetime) -> str:
    """Events of one hour share the text (strftime per event is dear at this rate)."""
    return (hour if hour.tzinfo is not None else hour.replace(tzinfo=UTC)).isoformat()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
