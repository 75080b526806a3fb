"""Helpers shared by the analytics tests (importable, unlike conftest)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import strategies as st

from passage.analytics.connect import store_factory
from passage.analytics.events import StepEvent
from passage.analytics.store import Store

NOW = datetime(2025, 3, 14, 15, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    database: str  # what --database would be given
    data_dir: Path

    def open(self) -> Store:
        return store_factory(self.database, self.data_dir)()

    def factory(self) -> Callable[[], Store]:
        return store_factory(self.database, self.data_dir)


def event(
    journey: str = "j1",
    step: int = 1,
    scene: str = "a",
    choice: str | None = "a.c1",
    *,
    story: str = "s",
    version: str = "1",
    outcome: str | None = None,
    arrived: str = "b",
    ending: str | None = None,
    hour: datetime = NOW,
) -> StepEvent:
    return StepEvent(
        story, version, journey, step, scene, choice, outcome, arrived, ending, "en", hour
    )


def expected_tallies(events: list[StepEvent]) -> dict[tuple[str, str, str], int]:
    """The tallies the store must hold for these events, computed the slow, obvious way."""
    seen: dict[tuple[str, str, str], set[str]] = {}
    ended: dict[str, str] = {}
    for e in sorted(events, key=lambda e: (e.journey_id, e.step)):
        seen.setdefault(("scene", e.scene, ""), set()).add(e.journey_id)
        if e.choice:
            seen.setdefault(("choice", e.scene, e.choice), set()).add(e.journey_id)
        if e.outcome:
            seen.setdefault(("outcome", e.scene, e.outcome), set()).add(e.journey_id)
        if e.ending_class and e.journey_id not in ended:
            ended[e.journey_id] = e.ending_class
    for journey, klass in ended.items():
        seen.setdefault(("ending", "", klass), set()).add(journey)
    return {key: len(journeys) for key, journeys in seen.items()}


def tallies_of(store: Store) -> dict[tuple[str, str, str], int]:
    return {(t.kind, t.scene, t.item): t.journeys for t in store.tallies()}


text = st.text(st.characters(codec="utf-8"), max_size=20)
events = st.builds(
    StepEvent,
    story_id=text,
    story_version=text,
    journey_id=text,
    step=st.integers(0, 2**31 - 1),
    scene=text,
    choice=st.none() | text,
    outcome=st.none() | text,
    arrived=text,
    ending_class=st.none() | text,
    locale=text,
    hour=st.datetimes(datetime(1970, 1, 2), datetime(9999, 1, 1)).map(
        lambda d: d.replace(minute=0, second=0, microsecond=0, tzinfo=UTC)
    ),
)
