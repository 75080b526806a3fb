"""The aggregate cache behind "how others chose".

A page must not wait for the database, so the tallies are read into memory by a
background thread every few seconds and pages read the last snapshot (a plain
dict swapped in whole: no lock on the read path). Anything below the privacy
threshold reads as None: no small count that could point at one person ever
leaves this module. If the database is unavailable the last snapshot stays.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from passage.analytics.store import Store, Tally

__all__ = ["THRESHOLD", "StatsCache", "StorySnapshot", "snapshot"]

THRESHOLD = 20
"""Journeys that must have passed a point before its counts are shown."""

_log = logging.getLogger("passage.analytics")


@dataclass(slots=True)
class StorySnapshot:
    """One story version's tallies: journeys per scene, per choice, per outcome, per ending."""

    scenes: dict[str, int] = field(default_factory=dict)
    choices: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    outcomes: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    endings: dict[str, int] = field(default_factory=dict)


def snapshot(tallies: list[Tally]) -> dict[tuple[str, str], StorySnapshot]:
    """Index tallies by (story id, version)."""
    out: dict[tuple[str, str], StorySnapshot] = defaultdict(StorySnapshot)
    for t in tallies:
        story = out[(t.story_id, t.story_version)]
        if t.kind == "scene":
            story.scenes[t.scene] = t.journeys
        elif t.kind == "choice":
            story.choices[t.scene][t.item] = t.journeys
        elif t.kind == "outcome":
            story.outcomes[t.scene][t.item] = t.journeys
        elif t.kind == "ending":
            story.endings[t.item] = t.journeys
    return dict(out)


class StatsCache:
    """A :class:`~passage.analytics.events.ChoiceStats` refreshed in the background."""

    def __init__(
        self,
        open_store: Callable[[], Store],
        refresh: float = 5.0,
        threshold: int = THRESHOLD,
        background: bool = True,
    ) -> None:
        self._open_store = open_store
        self._store: Store | None = None
        self._refresh = refresh
        self.threshold = threshold
        self._data: dict[tuple[str, str], StorySnapshot] = {}
        self.generation = 0  # grows whenever the figures change: callers may memoise by it
        self._stop = threading.Event()
        self._failing = False
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(
                target=self._run, name="passage-analytics-cache", daemon=True
            )
            self._thread.start()

    def refresh(self) -> bool:
        """Read the tallies now; False (keeping the last snapshot) if the database is down."""
        try:
            if self._store is None:
                self._store = self._open_store()
            data = snapshot(self._store.tallies())
            if data != self._data:
                self._data = data
                self.generation += 1
        except Exception as error:
            if self._store is not None:
                self._store.reset()
            if not self._failing:
                _log.warning(
                    "analytics: cannot refresh choice statistics (%s); showing the last ones read",
                    error,
                )
            self._failing = True
            return False
        self._failing = False
        return True

    def choice_shares(self, story_id: str, story_version: str, scene: str) -> dict[str, int] | None:
        story = self._data.get((story_id, story_version))
        if story is None or story.scenes.get(scene, 0) < self.threshold:
            return None
        return dict(story.choices.get(scene, {}))

    def outcome_shares(
        self, story_id: str, story_version: str, scene: str
    ) -> dict[str, int] | None:
        """How chance fell for the journeys at a chance scene (to set beside the exact odds)."""
        story = self._data.get((story_id, story_version))
        if story is None or story.scenes.get(scene, 0) < self.threshold:
            return None
        return dict(story.outcomes.get(scene, {}))

    def ending_shares(self, story_id: str, story_version: str) -> dict[str, int] | None:
        story = self._data.get((story_id, story_version))
        if story is None or sum(story.endings.values()) < self.threshold:
            return None
        return dict(story.endings)

    def journeys_at(self, story_id: str, story_version: str, scene: str) -> int | None:
        """Journeys that acted at ``scene``; None below the threshold."""
        story = self._data.get((story_id, story_version))
        count = story.scenes.get(scene, 0) if story is not None else 0
        return count if count >= self.threshold else None

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._refresh + 5)
        if self._store is not None:
            self._store.close()

    def _run(self) -> None:
        while True:
            self.refresh()
            if self._stop.wait(self._refresh):
                return
