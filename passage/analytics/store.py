"""Storage behind one small interface: the SQL both back-ends share.

:class:`Store` is what the writer, the aggregate cache and the reports use; the
SQLite and PostgreSQL back-ends only say how to connect, how to run a statement
and how to insert a batch. Everything else, including the tally rules, is here
once, so the two back-ends cannot drift apart.

Tallies count *journeys*, not steps: a journey that waits three times at the same
scene counts once there. The writer's transaction inserts the batch (duplicates
of ``(journey_id, step)`` are dropped by the unique key, which is what makes a
journal replay idempotent), then increments a tally only for the first row of
each journey and key that the table has seen. Both happen in one transaction, so
a tally moves exactly when its events are stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from passage.analytics.events import StepEvent
from passage.analytics.migrations import LATEST, Dialect, pending

__all__ = [
    "BatchRefusedError",
    "JourneyEnd",
    "Mode",
    "Store",
    "StoreUnavailableError",
    "StoryTotals",
    "Tally",
    "Tx",
    "clean_nul",
    "dedupe",
    "event_row",
    "tally_increments",
]

Row = tuple[Any, ...]
Mode = Literal["read", "write", "schema"]
Key = tuple[str, str, str, str, str]  # story_id, story_version, kind, scene, item


def event_row(e: StepEvent, hour_text: Callable[[datetime], str]) -> tuple[object, ...]:
    """A step event as a row in the events table's column order; each back-end writes
    the hour in its own database's format."""
    return (e.journey_id, e.step, e.story_id, e.story_version, e.scene, e.choice, e.outcome,
            e.arrived, e.ending_class, e.locale, hour_text(e.hour))


class StoreUnavailableError(Exception):
    """The database could not take the batch (down, read-only, locked, timed out): retry later."""


class BatchRefusedError(Exception):
    """The database refused the data itself: retrying the same batch cannot help."""


@dataclass(frozen=True, slots=True)
class Tally:
    """Journeys per key. ``kind`` is ``scene`` (acted at the scene; item ""), ``choice``
    (item: choice key), ``outcome`` (item: chance outcome key) or ``ending`` (scene "",
    item: ending class; a journey's first ending only)."""

    story_id: str
    story_version: str
    kind: str
    scene: str
    item: str
    journeys: int


@dataclass(frozen=True, slots=True)
class StoryTotals:
    story_id: str
    story_version: str
    journeys: int
    steps: int
    first_hour: datetime
    last_hour: datetime


@dataclass(frozen=True, slots=True)
class JourneyEnd:
    """Journeys whose last recorded step arrived at ``scene`` in ``last_hour``."""

    scene: str
    ending_class: str | None
    last_hour: datetime
    journeys: int


class Tx(ABC):
    """One transaction: SQL is written with ``?`` placeholders for both dialects."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    max_params = 999  # bound parameters one statement may carry

    def query_many(self, sql: str, params: Sequence[Any], columns: str) -> list[Row]:
        """A query that may return many rows (``columns`` names its result columns).

        The same as :meth:`query` here; SQLite answers it as one JSON row instead,
        because its driver lets go of the interpreter lock for every row fetched and
        each time the request threads of the process take it and make the writer wait."""
        return self.query(sql, params)

    def insert_rows(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        """``head VALUES (…), (…), … tail`` in as few statements as the driver allows."""
        if rows:
            self.insert_flat(head, [v for row in rows for v in row], len(rows[0]), tail)

    def insert_flat(self, head: str, values: list[Any], width: int, tail: str = "") -> None:
        """:meth:`insert_rows` for values already laid end to end, ``width`` per row.

        One multi-row statement instead of one per row: far fewer round trips into the
        driver, each of which releases and re-takes the interpreter lock, which the
        request threads of the same process are waiting for."""
        per = max(1, self.max_params // width) * width
        one = "(" + ", ".join("?" * width) + ")"
        for start in range(0, len(values), per):
            chunk = values[start : start + per]
            marks = ", ".join([one] * (len(chunk) // width))
            self.execute(f"{head} VALUES {marks} {tail}", chunk)


_TALLY_CONFLICT = (
    "ON CONFLICT (story_id, story_version, kind, scene, item)"
    " DO UPDATE SET journeys = tallies.journeys + excluded.journeys"
)

_SELECT_EVENT = (
    "SELECT story_id, story_version, journey_id, step, scene, choice, outcome, "
    "arrived, ending_class, locale, hour FROM step_events"
)


class Store(ABC):
    """A place to keep step events and their tallies. Not thread-safe: one per thread."""

    dialect: Dialect
    where: str  # for messages: a file path, or a URL without its password

    # -- what a back-end provides -------------------------------------------------
    @abstractmethod
    def transaction(self, mode: Mode = "read") -> AbstractContextManager[Tx]:
        """A transaction. ``write`` takes the write lock up front (SQLite), ``schema`` also
        serialises schema changes across processes. Raises :class:`StoreUnavailableError` for
        any database error, after dropping the connection."""

    @abstractmethod
    def _schema_table(self, tx: Tx) -> bool:
        """Whether ``schema_migrations`` exists (a read, so a read-only file can be opened)."""

    @abstractmethod
    def _insert(self, tx: Tx, events: Sequence[StepEvent]) -> set[tuple[str, int]]:
        """Insert events the transaction has not seen stored, skipping any that another
        server stored meanwhile; return the keys inserted."""

    @abstractmethod
    def _related(self, tx: Tx, batch: Sequence[StepEvent]) -> list[Row]:
        """The stored rows that matter to a batch: the same (journey, step), the same
        (journey, scene), or an ending of the same journey (see ``tally_increments``).
        Only these: a long journey's whole history would cost a Python tuple per row."""

    def _prepare(self, batch: list[StepEvent]) -> list[StepEvent]:
        """Make a batch fit the back-end's column types (nothing to do by default)."""
        return batch

    def _add_tallies(self, tx: Tx, rows: list[tuple[str, str, str, str, str, int]]) -> None:
        """Add each row's count to its tally (distinct keys, in key order)."""
        tx.insert_rows(
            "INSERT INTO tallies (story_id, story_version, kind, scene, item, journeys)",
            rows,
            _TALLY_CONFLICT,
        )

    @abstractmethod
    def _hour_param(self, hour: datetime) -> Any: ...

    @abstractmethod
    def _hour_value(self, value: Any) -> datetime: ...

    @abstractmethod
    def reset(self) -> None:
        """Drop the connection (after an error); the next call reconnects."""

    def close(self) -> None:
        """Close the connection (the store reconnects if used again)."""
        self.reset()

    # -- shared behaviour ---------------------------------------------------------
    _migrate: bool  # set by each back-end: migrate when it first connects

    def _migrate_on_first_connection(self) -> None:
        """Migrate once, on the first connection; if that fails, the next one retries."""
        if self._migrate:
            self._migrate = False  # migrate() connects again: do not recurse
            try:
                self.migrate()
            except BaseException:
                self._migrate = True
                raise

    def migrate(self, upto: int = LATEST) -> int:
        """Apply missing migrations (up to ``upto``); return the schema version now in place.

        Looks first without a lock, so an up-to-date database (even a read-only one)
        is opened without writing."""
        current = self.schema_version()
        if not pending(current, self.where, upto):
            return current
        with self.transaction("schema") as tx:
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            current = int(tx.query("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0])
            for migration in pending(current, self.where, upto):
                for statement in migration.statements(self.dialect):
                    tx.execute(statement)
                tx.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (
                        migration.version,
                        migration.name,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
                current = migration.version
        return current

    def schema_version(self) -> int:
        """0 for an empty database."""
        with self.transaction() as tx:
            if not self._schema_table(tx):
                return 0
            rows = tx.query("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    def write(self, events: Sequence[StepEvent]) -> int:
        """Store a batch exactly once; return how many were new. Raises on any failure,
        leaving nothing of the batch behind (one transaction)."""
        batch = self._prepare(dedupe(events))
        if not batch:
            return 0
        with self.transaction("write") as tx:
            rows = self._related(tx, batch)
            stored = {(row[0], int(row[1])) for row in rows}
            candidates = [e for e in batch if (e.journey_id, e.step) not in stored]
            inserted = self._insert(tx, candidates) if candidates else set()
            new = [e for e in candidates if (e.journey_id, e.step) in inserted]
            increments = tally_increments(new, rows) if new else {}
            if increments:  # in key order: concurrent writers lock tally rows alike
                self._add_tallies(tx, [(*key, n) for key, n in sorted(increments.items())])
        return len(new)

    def tallies(self, story_id: str | None = None) -> list[Tally]:
        columns = "story_id, story_version, kind, scene, item, journeys"
        sql = f"SELECT {columns} FROM tallies"
        with self.transaction() as tx:
            rows = (
                tx.query_many(sql + " WHERE story_id = ?", (story_id,), columns)
                if story_id is not None
                else tx.query_many(sql, (), columns)
            )
        return [Tally(r[0], r[1], r[2], r[3], r[4], int(r[5])) for r in rows]

    def stories(self) -> list[StoryTotals]:
        with self.transaction() as tx:
            rows = tx.query(
                "SELECT story_id, story_version, count(DISTINCT journey_id), count(*),"
                " min(hour), max(hour) FROM step_events"
                " GROUP BY story_id, story_version ORDER BY story_id, story_version"
            )
        return [
            StoryTotals(
                r[0], r[1], int(r[2]), int(r[3]), self._hour_value(r[4]), self._hour_value(r[5])
            )
            for r in rows
        ]

    def journey_ends(self, story_id: str, version: str | None = None) -> list[JourneyEnd]:
        """Where each journey's last recorded step arrived, grouped by scene and hour."""
        where, params = _filter(story_id, version)
        with self.transaction() as tx:
            rows = tx.query(
                "SELECT e.arrived, e.ending_class, e.hour, count(*) FROM step_events e"
                " JOIN (SELECT journey_id, max(step) AS last FROM step_events"
                f" WHERE {where} GROUP BY journey_id) j"
                " ON e.journey_id = j.journey_id AND e.step = j.last"
                " GROUP BY e.arrived, e.ending_class, e.hour",
                params,
            )
        return [JourneyEnd(r[0], r[1], self._hour_value(r[2]), int(r[3])) for r in rows]

    def passages(self, story_id: str, version: str | None = None) -> Iterator[tuple[str, str]]:
        """Every distinct (journey, scene) the journeys acted at or arrived at."""
        where, params = _filter(story_id, version)
        with self.transaction() as tx:
            rows = tx.query(
                f"SELECT journey_id, scene FROM step_events WHERE {where} UNION"
                f" SELECT journey_id, arrived FROM step_events WHERE {where}",
                (*params, *params),
            )
        for row in rows:
            yield row[0], row[1]

    def events(self, story_id: str | None = None) -> list[StepEvent]:
        """Every stored event, in journey and step order (tests, small exports)."""
        with self.transaction() as tx:
            rows = (
                tx.query(
                    _SELECT_EVENT + " WHERE story_id = ? ORDER BY journey_id, step", (story_id,)
                )
                if story_id is not None
                else tx.query(_SELECT_EVENT + " ORDER BY journey_id, step")
            )
        return [
            StepEvent(
                r[0],
                r[1],
                r[2],
                int(r[3]),
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                self._hour_value(r[10]),
            )
            for r in rows
        ]

    def count(self) -> int:
        with self.transaction() as tx:
            return int(tx.query("SELECT count(*) FROM step_events")[0][0])

    def prune(self, before: datetime) -> int:
        """Delete events from hours before ``before``; tallies (no journey ids) stay."""
        with self.transaction("write") as tx:
            return tx.execute("DELETE FROM step_events WHERE hour < ?", (self._hour_param(before),))


def clean_nul(event: StepEvent) -> StepEvent:
    """Text columns cannot hold NUL (PostgreSQL refuses it): never let one byte poison a batch."""
    e = event
    joined = (
        f"{e.story_id}{e.story_version}{e.journey_id}{e.scene}{e.choice}{e.outcome}"
        f"{e.arrived}{e.ending_class}{e.locale}"
    )
    if "\x00" not in joined:
        return event

    def fix(text: str) -> str:
        return text.replace("\x00", "\ufffd")

    return event._replace(
        story_id=fix(event.story_id),
        story_version=fix(event.story_version),
        journey_id=fix(event.journey_id),
        scene=fix(event.scene),
        arrived=fix(event.arrived),
        locale=fix(event.locale),
        choice=None if event.choice is None else fix(event.choice),
        outcome=None if event.outcome is None else fix(event.outcome),
        ending_class=None if event.ending_class is None else fix(event.ending_class),
    )


def _filter(story_id: str, version: str | None) -> tuple[str, tuple[str, ...]]:
    if version is None:
        return "story_id = ?", (story_id,)
    return "story_id = ? AND story_version = ?", (story_id, version)


def dedupe(events: Sequence[StepEvent]) -> list[StepEvent]:
    """The first event for each ``(journey_id, step)``, in order."""
    seen: set[tuple[str, int]] = set()
    out = []
    for event in events:
        key = (event.journey_id, event.step)
        if key not in seen:
            seen.add(key)
            out.append(event)
    return out


def tally_increments(new: Sequence[StepEvent], rows: Sequence[Row]) -> dict[Key, int]:
    """How much each tally grows when ``new`` events join the table.

    ``rows`` are stored rows (journey_id, step, scene, choice, outcome, ending_class) of
    the journeys in ``new``: at least those with the same scene as a new event and those
    with an ending (new ones may be among them). A key counts for a journey only if no
    *older* row of that journey already had it, and once per batch; an ending counts
    only for a journey's first (lowest step) ending.

    Runs for every event the writer stores, in the process that serves pages, so it
    is written for speed: a mark is the scene (a str), (scene, choice) or
    (scene, None, outcome), and nothing is sorted.
    """
    fresh = {(e.journey_id, e.step) for e in new}
    seen: dict[str, set[object]] = {}
    ended: set[str] = set()
    for journey, step, scene, choice, outcome, ending in rows:
        if (journey, int(step)) in fresh:
            continue
        marks = seen.get(journey)
        if marks is None:
            marks = seen[journey] = set()
        marks.add(scene)
        if choice is not None:
            marks.add((scene, choice))
        if outcome is not None:
            marks.add((scene, None, outcome))
        if ending is not None:
            ended.add(journey)
    increments: dict[Key, int] = defaultdict(int)
    first_ending: dict[str, StepEvent] = {}
    for e in new:
        journey, scene = e.journey_id, e.scene
        had = seen.get(journey)
        if had is None:
            had = seen[journey] = set()
        if scene not in had:
            had.add(scene)
            increments[(e.story_id, e.story_version, "scene", scene, "")] += 1
        if e.choice is not None and (mark := (scene, e.choice)) not in had:
            had.add(mark)
            increments[(e.story_id, e.story_version, "choice", scene, e.choice)] += 1
        if e.outcome is not None and (mark2 := (scene, None, e.outcome)) not in had:
            had.add(mark2)
            increments[(e.story_id, e.story_version, "outcome", scene, e.outcome)] += 1
        if e.ending_class is not None and journey not in ended:
            first = first_ending.get(journey)
            if first is None or e.step < first.step:
                first_ending[journey] = e
    for e in first_ending.values():
        increments[(e.story_id, e.story_version, "ending", "", e.ending_class or "")] += 1
    return dict(increments)
