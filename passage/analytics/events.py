"""What the web player records at each step, and the interfaces it records through.

An event holds no IP address, user agent, referrer or cookie: only the story,
a random journey id (derived from the journey's seed), where the step went and
the hour it happened. The web tier depends on these two protocols only, so the
storage back-end can change without touching it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["ChoiceStats", "EventSink", "StepEvent"]


@dataclass(frozen=True, slots=True)
class StepEvent:
    story_id: str
    story_version: str
    journey_id: str  # State.journey_id: random, per journey, not per person
    step: int  # the turn number after the step; (journey_id, step) is unique
    scene: str  # the scene the player acted in
    choice: str | None  # authored choice key, or None for continue / chance
    outcome: str | None  # chance outcome key, when the step drew one
    arrived: str  # the scene the step led to
    ending_class: str | None  # set when ``arrived`` is an ending
    locale: str
    hour: datetime  # UTC, truncated to the hour


class EventSink(Protocol):
    """Accepts events from request handlers: must return at once and never raise."""

    def record(self, event: StepEvent) -> None: ...


class ChoiceStats(Protocol):
    """Aggregates for "how others chose"; None when fewer than the privacy threshold."""

    def choice_shares(
        self, story_id: str, story_version: str, scene: str
    ) -> dict[str, int] | None: ...

    def ending_shares(self, story_id: str, story_version: str) -> dict[str, int] | None: ...
