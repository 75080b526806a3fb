"""The "how others chose" cache: shares only past the privacy threshold, on both back-ends."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import psycopg

from passage.analytics.aggregates import THRESHOLD, StatsCache
from passage.analytics.connect import store_factory
from passage.analytics.service import Analytics, open_analytics
from passage.analytics.store import Store
from tests.analytics.helpers import Backend, event


def _journeys(store: Store, count: int, choice: str, start: int = 0) -> None:
    store.write(
        [event(f"j{start + i}", 1, "a", choice, arrived="end", ending="done") for i in range(count)]
    )


def test_nothing_is_shown_below_twenty_journeys(backend: Backend, store: Store) -> None:
    _journeys(store, THRESHOLD - 1, "a.left")
    stats = StatsCache(backend.factory(), background=False)
    assert stats.refresh()
    assert stats.choice_shares("s", "1", "a") is None
    assert stats.ending_shares("s", "1") is None
    assert stats.journeys_at("s", "1", "a") is None
    _journeys(store, 1, "a.right", start=THRESHOLD)
    assert stats.refresh()
    assert stats.choice_shares("s", "1", "a") == {"a.left": THRESHOLD - 1, "a.right": 1}
    assert stats.ending_shares("s", "1") == {"done": THRESHOLD}
    assert stats.journeys_at("s", "1", "a") == THRESHOLD
    stats.close()


def test_a_loop_does_not_count_one_journey_twice_toward_the_threshold(
    backend: Backend, store: Store
) -> None:
    store.write([event("j1", step, "wait", "wait.again") for step in range(1, 30)])
    stats = StatsCache(backend.factory(), background=False)
    stats.refresh()
    assert stats.choice_shares("s", "1", "wait") is None  # 29 clicks, one journey
    stats.close()


def test_shares_are_per_story_version_and_scene(backend: Backend, store: Store) -> None:
    _journeys(store, 25, "a.left")
    stats = StatsCache(backend.factory(), background=False)
    stats.refresh()
    assert stats.choice_shares("s", "2", "a") is None
    assert stats.choice_shares("other", "1", "a") is None
    assert stats.choice_shares("s", "1", "b") is None
    assert stats.outcome_shares("s", "1", "a") == {}
    stats.close()


def test_the_last_snapshot_stays_while_the_database_is_unreachable(
    pg_server: str, tmp_path: Path
) -> None:
    name = f"passage_test_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    store = store_factory(url, tmp_path)()
    _journeys(store, 30, "a.left")
    store.close()
    stats = StatsCache(store_factory(url, tmp_path), background=False)
    assert stats.refresh()
    with psycopg.connect(pg_server, autocommit=True) as admin:  # the database goes away
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    assert stats.refresh() is False
    assert stats.choice_shares("s", "1", "a") == {"a.left": 30}
    stats.close()


def test_the_background_refresh_picks_up_new_journeys(backend: Backend, store: Store) -> None:
    stats = StatsCache(backend.factory(), refresh=0.01)
    _journeys(store, 20, "a.left")
    deadline = time.monotonic() + 30
    while stats.choice_shares("s", "1", "a") is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stats.choice_shares("s", "1", "a") == {"a.left": 20}
    stats.close()


def test_open_analytics_wires_a_sink_and_stats(tmp_path: Path) -> None:
    analytics = open_analytics(None, tmp_path, refresh=0.01)
    assert analytics.where == f"SQLite {tmp_path / 'analytics.sqlite3'}"
    for i in range(20):
        analytics.sink.record(event(f"j{i}", 1, "a", "a.left"))
    analytics.close()
    store = store_factory(None, tmp_path)()
    assert store.count() == 20
    store.close()
    off = Analytics()
    off.sink.record(event())
    assert off.stats.choice_shares("s", "1", "a") is None
    off.close()
