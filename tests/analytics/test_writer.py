"""The background writer against both back-ends: batching, draining, never raising."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from passage.analytics.connect import store_factory
from passage.analytics.sample import random_events
from passage.analytics.store import Store
from passage.analytics.writer import BackgroundSink
from passage.story import Story
from tests.analytics.helpers import NOW, Backend, event

MakeSink = Callable[..., BackgroundSink]


def _keys(store: Store) -> list[tuple[str, int]]:
    return [(e.journey_id, e.step) for e in store.events()]


def test_recorded_events_reach_the_database_in_batches(
    backend: Backend, store: Store, make_sink: MakeSink, example: Story
) -> None:
    events = random_events(example, 120, seed=5, now=NOW)
    sink = make_sink(backend.factory(), batch_size=50)
    for e in events:
        sink.record(e)
    assert sink.settle(60)
    assert sink.counters.stored == len(events) and sink.counters.journaled == 0
    assert sorted(_keys(store)) == sorted((e.journey_id, e.step) for e in events)


def test_close_drains_everything_accepted(
    backend: Backend, store: Store, make_sink: MakeSink, example: Story
) -> None:
    events = random_events(example, 200, seed=6, now=NOW)
    sink = make_sink(backend.factory(), interval=10.0)  # the writer would sleep: close must drain
    for e in events:
        sink.record(e)
    sink.close()
    assert store.count() == len(events)
    assert list((backend.data_dir / "journal").glob("*.jsonl")) == []


def test_recording_twice_stores_once(backend: Backend, store: Store, make_sink: MakeSink) -> None:
    sink = make_sink(backend.factory())
    for _ in range(3):
        sink.record(event("j1", 1))
        sink.record(event("j1", 2))
    assert sink.settle(30)
    assert _keys(store) == [("j1", 1), ("j1", 2)]
    assert sink.counters.stored == 2 and sink.counters.duplicates == 4


def test_record_never_raises_and_keeps_what_it_cannot_store(
    backend: Backend, store: Store, make_sink: MakeSink, caplog: pytest.LogCaptureFixture
) -> None:
    sink = make_sink(backend.factory())
    with caplog.at_level(logging.ERROR, "passage.analytics"):
        sink.record(event("j1", 1))
        sink.record("not an event")  # type: ignore[arg-type]
        sink.record(event("j2", 1))
        assert sink.settle(30)
    assert _keys(store) == [("j1", 1), ("j2", 1)]
    assert sink.counters.rejected == 1
    rejected = (backend.data_dir / "journal" / "rejected.txt").read_text()
    assert "'not an event'" in rejected


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_database_that_is_down_at_startup_gets_the_events_when_it_returns(
    backend: Backend,
    store: Store,
    make_sink: MakeSink,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal = tmp_path / "shared-journal"
    down = (
        store_factory(f"postgresql://postgres@127.0.0.1:{_closed_port()}/x", tmp_path)
        if backend.name == "postgresql"
        else store_factory(str(tmp_path / "missing-dir" / "no" / "x.db"), tmp_path)
    )
    if backend.name == "sqlite":
        (tmp_path / "missing-dir").write_text("a file where a directory should be")
    first = make_sink(down, journal)
    with caplog.at_level(logging.WARNING, "passage.analytics"):
        for step in range(1, 6):
            first.record(event("j1", step))
        assert first.flush(30)
    assert first.counters.journaled == 5 and first.counters.stored == 0
    assert "database unavailable" in caplog.text
    first.close()  # the process ends with its journal full: the file stays as an orphan
    assert len(list(journal.glob("*.jsonl"))) == 1
    second = make_sink(backend.factory(), journal, orphan_check=0.0)
    second.record(event("j2", 1))
    assert second.settle(30)
    assert sorted(_keys(store)) == [("j1", s) for s in range(1, 6)] + [("j2", 1)]
    assert list(journal.glob("*.jsonl")) == [] or all(
        p.stat().st_size == 0 for p in journal.glob("*.jsonl")
    )


def test_events_recorded_after_close_are_journaled_not_lost(
    backend: Backend, store: Store, make_sink: MakeSink, tmp_path: Path
) -> None:
    journal = tmp_path / "j"
    sink = make_sink(backend.factory(), journal)
    sink.close()
    sink.record(event("late", 1))  # a request that finished after shutdown began
    nxt = make_sink(backend.factory(), journal, orphan_check=0.0)
    nxt.close()
    assert _keys(store) == [("late", 1)]


def test_a_database_from_a_newer_passage_keeps_events_waiting_not_refused(
    backend: Backend, store: Store, make_sink: MakeSink, tmp_path: Path
) -> None:
    with store.transaction("write") as tx:
        tx.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (99, "future", "-"))
    sink = make_sink(backend.factory(), tmp_path / "j")
    sink.record(event("j1", 1))
    assert sink.flush(30)
    assert sink.counters.journaled == 1 and sink.counters.rejected == 0
    with store.transaction("write") as tx:  # the operator upgrades Passage (here: undoes)
        tx.execute("DELETE FROM schema_migrations WHERE version = 99")
    assert sink.settle(30)
    assert _keys(store) == [("j1", 1)]
