"""Fixtures: every store test runs twice, on a SQLite file and on a fresh PostgreSQL database.

The PostgreSQL database is created on the machine's server (127.0.0.1:5432, user
postgres) for one test and dropped after it, so tests never see each other's rows.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from passage.analytics.store import Store
from passage.analytics.writer import BackgroundSink
from tests.analytics.helpers import Backend

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server_reason() -> str | None:
    try:
        with psycopg.connect(SERVER, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at 127.0.0.1:5432 is not reachable ({error})"


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = _server_reason()
    if reason is not None:
        pytest.fail(reason + "; start it: pg_ctlcluster $(ls /etc/postgresql) main start")
    return SERVER


@pytest.fixture(scope="session")
def pg_session_database(pg_server: str) -> Iterator[str]:
    """One fresh database on the shared server for this test session, dropped at the end
    (creating one per test costs a second or more on a busy machine)."""
    name = f"passage_test_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database(pg_session_database: str) -> str:
    """The session's database, emptied: no table, no schema version, as if just created."""
    with psycopg.connect(pg_session_database, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS step_events, tallies, schema_migrations")
    return pg_session_database


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "analytics.sqlite3"), tmp_path)
    database = request.getfixturevalue("pg_database")
    return Backend("postgresql", database, tmp_path)


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    opened = backend.open()
    yield opened
    opened.close()


@pytest.fixture
def make_sink(tmp_path: Path) -> Iterator[Callable[..., BackgroundSink]]:
    """Sinks with quick retries (so fault tests finish fast), closed after the test."""
    sinks: list[BackgroundSink] = []

    def make(
        factory: Callable[[], Store],
        journal_dir: Path | None = None,
        *,
        batch_size: int = 500,
        interval: float = 0.01,
        retry: float = 0.05,
        max_retry: float = 0.2,
        orphan_check: float = 30.0,
    ) -> BackgroundSink:
        sink = BackgroundSink(
            factory,
            journal_dir or tmp_path / "journal",
            batch_size=batch_size,
            interval=interval,
            retry=retry,
            max_retry=max_retry,
            orphan_check=orphan_check,
        )
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        sink.close()
