"""The store interface, run against both back-ends: exactly-once writes, journey tallies,
migrations, reports and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from passage.analytics.connect import store_factory
from passage.analytics.migrations import LATEST, MIGRATIONS, SchemaError
from passage.analytics.sample import random_events
from passage.analytics.store import Store, Tally
from passage.story import Story
from tests.analytics.helpers import NOW, Backend, event, expected_tallies


def _tallies(store: Store) -> dict[tuple[str, str, str], int]:
    return {(t.kind, t.scene, t.item): t.journeys for t in store.tallies()}


def test_a_fresh_database_is_migrated_to_the_latest_schema(store: Store) -> None:
    assert store.schema_version() == LATEST
    assert store.migrate() == LATEST  # idempotent
    assert store.count() == 0


def test_an_older_database_is_upgraded_step_by_step(backend: Backend) -> None:
    bare = store_factory(backend.database, backend.data_dir, migrate=False)()
    try:
        assert bare.schema_version() == 0
        assert bare.migrate(upto=1) == 1
        bare.write([event()])  # version 1 already stores events
        assert bare.migrate() == LATEST == MIGRATIONS[-1].version
        assert bare.count() == 1
    finally:
        bare.close()


def test_a_database_from_a_newer_passage_is_refused_with_a_clear_message(store: Store) -> None:
    with store.transaction("write") as tx:
        tx.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (LATEST + 1, "future", "-"))
    with pytest.raises(SchemaError, match=f"version {LATEST + 1}, newer than this Passage"):
        store.migrate()


def test_write_stores_each_journey_step_exactly_once(store: Store) -> None:
    first = [event("j1", 1), event("j1", 2, scene="b"), event("j2", 1)]
    assert store.write(first) == 3
    assert store.write(first) == 0  # a replay of the same batch changes nothing
    assert store.write([event("j1", 2, scene="b"), event("j1", 3, scene="c")]) == 1
    assert store.write([event("j3", 1), event("j3", 1)]) == 1  # duplicate inside a batch
    assert store.count() == 5
    assert [(e.journey_id, e.step) for e in store.events()] == [
        ("j1", 1),
        ("j1", 2),
        ("j1", 3),
        ("j2", 1),
        ("j3", 1),
    ]


def test_events_round_trip_every_field(store: Store, example: Story) -> None:
    events = random_events(example, 5, seed=3, now=NOW)
    store.write(events)
    assert sorted(store.events(), key=lambda e: (e.journey_id, e.step)) == sorted(
        events, key=lambda e: (e.journey_id, e.step)
    )
    assert all(e.hour.tzinfo is not None and e.hour == NOW for e in store.events())


def test_tallies_count_journeys_not_steps(store: Store) -> None:
    # j1 waits at "wait" three times, then leaves: one journey at "wait", one per choice
    store.write([event("j1", 1, "wait", "wait.again"), event("j1", 2, "wait", "wait.again")])
    store.write([event("j1", 3, "wait", "wait.again"), event("j1", 4, "wait", "wait.go")])
    store.write([event("j2", 1, "wait", "wait.go")])
    tallies = _tallies(store)
    assert tallies[("scene", "wait", "")] == 2
    assert tallies[("choice", "wait", "wait.again")] == 1
    assert tallies[("choice", "wait", "wait.go")] == 2


def test_tallies_do_not_move_on_replays_or_out_of_order_arrival(store: Store) -> None:
    later = event("j1", 5, "wait", "wait.again")
    earlier = event("j1", 2, "wait", "wait.again")
    store.write([later])
    store.write([earlier])  # arrives after a later step of the same journey (journal replay)
    store.write([later, earlier])
    assert _tallies(store)[("choice", "wait", "wait.again")] == 1


def test_chance_outcomes_and_the_first_ending_of_a_journey_are_tallied(store: Store) -> None:
    store.write(
        [
            event("j1", 1, "river", None, outcome="river.o1", arrived="far", ending="crossed"),
            # a rewind (back button) that ends differently later in the same journey: not counted
            event("j1", 2, "river", None, outcome="river.o2", arrived="caught", ending="caught"),
            event("j2", 1, "river", None, outcome="river.o2", arrived="caught", ending="caught"),
        ]
    )
    tallies = _tallies(store)
    assert tallies[("outcome", "river", "river.o1")] == 1
    assert tallies[("outcome", "river", "river.o2")] == 2
    assert tallies[("ending", "", "crossed")] == 1
    assert tallies[("ending", "", "caught")] == 1


def test_tallies_are_kept_per_story_and_version(store: Store) -> None:
    store.write(
        [event("j1", 1, version="1"), event("j2", 1, version="2"), event("j3", 1, story="other")]
    )
    got = {(t.story_id, t.story_version) for t in store.tallies() if t.kind == "scene"}
    assert got == {("s", "1"), ("s", "2"), ("other", "1")}
    assert all(t.story_id == "other" for t in store.tallies("other"))


def test_tallies_match_the_events_for_random_journeys(store: Store, example: Story) -> None:
    events = random_events(example, 60, seed=11, now=NOW, leave_share=0.3)
    for start in range(0, len(events), 37):  # uneven batches, some twice
        store.write(events[start : start + 37])
        store.write(events[start : start + 10])
    assert _tallies(store) == expected_tallies(events)


def test_journey_ends_and_passages(store: Store) -> None:
    store.write(
        [
            event("j1", 1, "a", arrived="b"),
            event("j1", 2, "b", arrived="end", ending="done"),
            event("j2", 1, "a", arrived="b"),
            event("j3", 1, "a", arrived="b", hour=NOW - timedelta(days=2)),
        ]
    )
    ends = {(e.scene, e.ending_class, e.last_hour): e.journeys for e in store.journey_ends("s")}
    assert ends == {
        ("end", "done", NOW): 1,
        ("b", None, NOW): 1,
        ("b", None, NOW - timedelta(days=2)): 1,
    }
    assert set(store.passages("s")) == {
        ("j1", "a"),
        ("j1", "b"),
        ("j1", "end"),
        ("j2", "a"),
        ("j2", "b"),
        ("j3", "a"),
        ("j3", "b"),
    }
    totals = store.stories()
    assert [(t.story_id, t.journeys, t.steps) for t in totals] == [("s", 3, 4)]
    assert totals[0].first_hour == NOW - timedelta(days=2) and totals[0].last_hour == NOW


def test_prune_deletes_old_events_and_keeps_the_tallies(store: Store) -> None:
    old = NOW - timedelta(days=100)
    store.write([event("j1", 1, hour=old), event("j2", 1, hour=NOW)])
    before = store.tallies()
    assert store.prune(NOW - timedelta(days=90)) == 1
    assert [e.journey_id for e in store.events()] == ["j2"]
    assert store.tallies() == before


def test_nul_characters_cannot_poison_a_batch(store: Store) -> None:
    assert store.write([event("j1", 1, scene="a\x00b"), event("j2", 1)]) == 2
    kept = "a\x00b" if store.dialect == "sqlite" else "a\ufffdb"  # PostgreSQL text has no NUL
    assert {e.scene for e in store.events()} == {kept, "a"}


def test_tally_shape(store: Store) -> None:
    store.write([event("j1", 1)])
    assert Tally("s", "1", "choice", "a", "a.c1", 1) in store.tallies()


def test_naive_hours_are_taken_as_utc(store: Store) -> None:
    naive = datetime(2025, 1, 2, 3)
    store.write([event("j1", 1, hour=naive)])
    assert store.events()[0].hour == naive.replace(tzinfo=UTC)
