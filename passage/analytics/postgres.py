"""The scale-out back-end: PostgreSQL through psycopg 3.

Several app servers write to one database. A batch is one ``INSERT … SELECT FROM
unnest(…) ON CONFLICT DO NOTHING RETURNING``, so the round trip does not grow
with the batch. Tally rows are upserted in key order, so two servers updating
the same tallies take their row locks in the same order. Connections time out
quickly and statements are bounded, because a writer stuck on a dead server is
a writer not journaling.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from passage.analytics.events import StepEvent
from passage.analytics.store import (
    BatchRefusedError,
    Mode,
    Row,
    Store,
    StoreUnavailableError,
    Tx,
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
        if self._migrate:
            self._migrate = False
            try:
                self.migrate()
            except BaseException:
                self._migrate = True
                raise
        return connection

    def _schema_table(self, tx: Tx) -> bool:
        return tx.query("SELECT to_regclass('schema_migrations') IS NOT NULL")[0][0] is True

    def _insert(self, tx: Tx, events: Sequence[StepEvent]) -> set[tuple[str, int]]:
        rows = tx.query(
            "INSERT INTO step_events (journey_id, step, story_id, story_version, scene, choice,"
            " outcome, arrived, ending_class, locale, hour)"
            " SELECT * FROM unnest(?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[],"
            " ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])"
            " ON CONFLICT (journey_id, step) DO NOTHING RETURNING journey_id, step",
            (
                [e.journey_id for e in events],
                [e.step for e in events],
                [e.story_id for e in events],
                [e.story_version for e in events],
                [e.scene for e in events],
                [e.choice for e in events],
                [e.outcome for e in events],
                [e.arrived for e in events],
                [e.ending_class for e in events],
                [e.locale for e in events],
                [self._hour_param(e.hour) for e in events],
            ),
        )
        return {(r[0], int(r[1])) for r in rows}

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

    def close(self) -> None:
        self.reset()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
