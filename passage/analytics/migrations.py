"""Versioned schema migrations, one list for both back-ends.

Each migration has a number and the statements for each dialect. A database
records what it has applied in ``schema_migrations``; opening a store applies
the missing ones in order, inside one transaction (under an advisory lock on
PostgreSQL, so several app servers starting at once migrate exactly once). A
database migrated by a newer Passage is refused with a clear message rather than
written to with the wrong shape. Never edit a released migration: add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["LATEST", "MIGRATIONS", "Dialect", "Migration", "SchemaError", "pending"]

Dialect = Literal["sqlite", "postgresql"]


class SchemaError(Exception):
    """The database's schema cannot be used by this version of Passage."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: Dialect) -> tuple[str, ...]:
        return self.sqlite if dialect == "sqlite" else self.postgresql


_EVENTS_COLUMNS = """
    journey_id    TEXT NOT NULL,
    step          INTEGER NOT NULL,
    story_id      TEXT NOT NULL,
    story_version TEXT NOT NULL,
    scene         TEXT NOT NULL,
    choice        TEXT,
    outcome       TEXT,
    arrived       TEXT NOT NULL,
    ending_class  TEXT,
    locale        TEXT NOT NULL,
"""

_TALLIES = """
CREATE TABLE tallies (
    story_id      TEXT NOT NULL,
    story_version TEXT NOT NULL,
    kind          TEXT NOT NULL,
    scene         TEXT NOT NULL,
    item          TEXT NOT NULL,
    journeys      BIGINT NOT NULL,
    PRIMARY KEY (story_id, story_version, kind, scene, item)
)"""

_JOURNEY_INDEXES = (
    "CREATE INDEX step_events_journey_scene ON step_events (journey_id, scene)",
    "CREATE INDEX step_events_journey_ending ON step_events (journey_id)"
    " WHERE ending_class IS NOT NULL",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "step events and journey tallies",
        sqlite=(
            f"CREATE TABLE step_events ({_EVENTS_COLUMNS} hour TEXT NOT NULL,"
            " PRIMARY KEY (journey_id, step)) WITHOUT ROWID",
            _TALLIES + " WITHOUT ROWID",
        ),
        postgresql=(
            f"CREATE TABLE step_events ({_EVENTS_COLUMNS} hour TIMESTAMPTZ NOT NULL,"
            " PRIMARY KEY (journey_id, step))",
            _TALLIES,
        ),
    ),
    Migration(
        2,
        "index a journey's scenes and its ending (tallies look them up per batch)",
        sqlite=_JOURNEY_INDEXES,
        # PostgreSQL filters a journey's rows on the server from the primary key alone
        # (see PostgresStore._related); more indexes would only slow its inserts.
        postgresql=(),
    ),
)

LATEST = MIGRATIONS[-1].version


def pending(current: int, where: str, upto: int = LATEST) -> tuple[Migration, ...]:
    """The migrations a database at version ``current`` still needs, in order."""
    if current > LATEST:
        raise SchemaError(
            f"{where}: the analytics schema is at version {current}, newer than this "
            f"Passage understands ({LATEST}); upgrade Passage on this server"
        )
    return tuple(m for m in MIGRATIONS if current < m.version <= upto)
