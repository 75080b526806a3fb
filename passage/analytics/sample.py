"""Step events from random journeys through the real engine (tests, benchmarks, demos).

The events are made exactly as the web player makes them (:func:`step_event` on
each real step), so what the tests store and count is what production stores.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from passage.analytics.events import StepEvent, step_event
from passage.engine.state import new_state
from passage.engine.step import enabled, step
from passage.story.model import Choices, Ending, Story

__all__ = ["journey_events", "random_events"]


def journey_events(
    story: Story, seed: int, rng: random.Random, now: datetime, stop_after: int | None = None
) -> Iterator[StepEvent]:
    """One journey's events; ``stop_after`` steps models a reader who leaves early."""
    state = new_state(story, seed)
    taken = 0
    while not isinstance(story.scenes[state.scene].exit, Ending):
        if stop_after is not None and taken >= stop_after:
            return
        exit_ = story.scenes[state.scene].exit
        choice = 0
        if isinstance(exit_, Choices):
            options = [i for i, c in enumerate(exit_.choices) if enabled(c, state)]
            choice = rng.choice(options)
        after = step(story, state, choice)
        yield step_event(story, state, after, choice, now=now)
        state = after
        taken += 1


def random_events(
    story: Story, journeys: int, seed: int, now: datetime, leave_share: float = 0.0
) -> list[StepEvent]:
    """Events of ``journeys`` random journeys; ``leave_share`` of them stop part-way."""
    rng = random.Random(seed)
    events: list[StepEvent] = []
    for _ in range(journeys):
        stop_after = rng.randrange(0, 4) if rng.random() < leave_share else None
        events.extend(journey_events(story, rng.getrandbits(64), rng, now, stop_after))
    return events
