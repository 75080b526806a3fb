"""Reliability: the database dies, turns read-only or stays locked; a journal is torn.

In every case the player's side (``record``) returns without raising, nothing
accepted is lost, and nothing is stored twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from passage.analytics.connect import store_factory
from passage.analytics.events import StepEvent
from passage.analytics.sample import random_events
from passage.analytics.sqlite import SqliteStore
from passage.analytics.store import Store
from passage.analytics.writer import BackgroundSink
from passage.story import Story
from tests.analytics.helpers import NOW, expected_tallies, tallies_of
from tests.analytics.pgcluster import PrivateCluster, unavailable_reason

MakeSink = Callable[..., BackgroundSink]


def _assert_exactly_once(store: Store, accepted: list[StepEvent]) -> None:
    stored = store.events()
    assert len(stored) == len(accepted)
    key = lambda e: (e.journey_id, e.step)  # noqa: E731
    assert sorted(stored, key=key) == sorted(accepted, key=key)
    assert tallies_of(store) == expected_tallies(accepted)


def _create(factory: Callable[[], Store]) -> None:
    """Create and migrate the database, then close it (no WAL file left open)."""
    store = factory()
    store.migrate()
    store.close()


# -- PostgreSQL killed with SIGKILL while steps are recorded ---------------------------------
@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    private = PrivateCluster()
    try:
        yield private
    finally:
        private.destroy()


@pytest.mark.postgres
@pytest.mark.slow
def test_kill_9_postgres_while_recording_loses_and_duplicates_nothing(
    cluster: PrivateCluster,
    make_sink: MakeSink,
    example: Story,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cluster.start()
    factory = store_factory(cluster.url, tmp_path)
    events = random_events(example, 900, seed=21, now=NOW)
    third = len(events) // 3
    sink = make_sink(factory, batch_size=40, interval=0.002)
    accepted: list[StepEvent] = []

    def produce(chunk: list[StepEvent], pause: threading.Event | None = None) -> None:
        for index, e in enumerate(chunk):
            sink.record(e)
            accepted.append(e)
            if pause is not None and index % 20 == 0:
                pause.wait(0.001)  # a steady stream, so the kill lands mid-transaction

    produce(events[:third])
    assert sink.settle(60) and sink.counters.stored == third
    streaming = threading.Thread(
        target=produce, args=(events[third : 2 * third], threading.Event())
    )
    with caplog.at_level(logging.WARNING, "passage.analytics"):
        streaming.start()
        while len(accepted) < third + 100 and streaming.is_alive():
            threading.Event().wait(0.001)
        cluster.kill9()
        streaming.join()
        assert sink.flush(60)
        assert sink.counters.journaled > 0  # the tail went to the journal, nothing raised
        cluster.start()  # crash recovery
        produce(events[2 * third :])
        assert sink.settle(120)
    assert "database unavailable" in caplog.text and "replayed" in caplog.text
    sink.close()
    store = factory()
    try:
        _assert_exactly_once(store, accepted)
    finally:
        store.close()
    assert len(accepted) == len(events)


# -- SQLite read-only, then writable again ------------------------------------------------------
@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[None]:
    """Really read-only, even for root (who ignores file modes): the immutable attribute."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_read_only_sqlite_file_journals_events_until_it_is_writable(
    tmp_path: Path, make_sink: MakeSink, example: Story, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "analytics.sqlite3"
    factory = store_factory(str(db), tmp_path)
    _create(factory)
    events = random_events(example, 60, seed=8, now=NOW)
    with _read_only(db), caplog.at_level(logging.WARNING, "passage.analytics"):
        sink = make_sink(factory)
        for e in events:
            sink.record(e)  # the player sees nothing
        assert sink.flush(30)
        assert sink.counters.journaled == len(events) and sink.counters.stored == 0
        assert "readonly database" in caplog.text
    assert sink.settle(60)  # the file is writable again: the journal is replayed
    assert sink.counters.replayed == len(events)
    store = factory()
    _assert_exactly_once(store, events)
    store.close()


# -- SQLite locked by another writer -------------------------------------------------------------
def test_a_locked_sqlite_file_journals_events_until_the_lock_is_released(
    tmp_path: Path, make_sink: MakeSink, example: Story
) -> None:
    db = tmp_path / "analytics.sqlite3"
    _create(store_factory(str(db), tmp_path))
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # e.g. a long maintenance job holding the write lock
    events = random_events(example, 40, seed=9, now=NOW)
    sink = make_sink(lambda: SqliteStore(db, busy_timeout=0.05))
    for e in events:
        sink.record(e)
    assert sink.flush(30)
    assert sink.counters.journaled == len(events)
    assert blocker.execute("SELECT count(*) FROM step_events").fetchone()[0] == 0
    blocker.execute("ROLLBACK")
    blocker.close()
    assert sink.settle(60)
    store = SqliteStore(db)
    _assert_exactly_once(store, events)
    store.close()


# -- a torn journal left by a crashed process ---------------------------------------------------
def test_a_torn_journal_is_replayed_without_its_torn_line(
    tmp_path: Path, make_sink: MakeSink, example: Story, caplog: pytest.LogCaptureFixture
) -> None:
    journal = tmp_path / "journal"
    events = random_events(example, 30, seed=10, now=NOW)
    down = store_factory(str(tmp_path / "not-a-dir" / "x.sqlite3"), tmp_path)
    (tmp_path / "not-a-dir").write_text("")
    crashed = make_sink(down, journal)
    for e in events:
        crashed.record(e)
    crashed.close()  # as if the process died here: its journal stays behind
    [left] = list(journal.glob("*.jsonl"))
    data = left.read_bytes()
    left.write_bytes(data[:-7])  # the last write was cut short by the crash
    db = tmp_path / "analytics.sqlite3"
    with caplog.at_level(logging.WARNING, "passage.analytics"):
        sink = make_sink(store_factory(str(db), tmp_path), journal, orphan_check=0.0)
        sink.close()
    assert "torn last line" in caplog.text and f"line {len(events)}" in caplog.text
    store = SqliteStore(db)
    _assert_exactly_once(store, events[:-1])
    store.close()
    assert not left.exists()
