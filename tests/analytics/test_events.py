"""Events are built from real steps; privacy signals switch recording off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from passage.analytics.events import StepEvent, hour_of, step_event
from passage.engine import new_state, step
from passage.story import Story
from passage.story.model import Chance, Choices, Ending


def test_an_event_names_the_scene_the_choice_and_where_it_led(example: Story) -> None:
    before = new_state(example, 7)
    after = step(example, before, 0)
    moment = datetime(2025, 5, 6, 7, 48, 31, tzinfo=UTC)
    e = step_event(example, before, after, 0, "en", moment)
    kitchen = example.scenes["kitchen"].exit
    assert isinstance(kitchen, Choices)
    assert e == StepEvent(
        "example",
        example.version,
        before.journey_id,
        1,
        "kitchen",
        kitchen.choices[0].key,
        None,
        after.scene,
        None,
        "en",
        datetime(2025, 5, 6, 7, tzinfo=UTC),
    )


def test_a_chance_step_records_the_outcome_and_an_ending_its_class(example: Story) -> None:
    chance = next(s for s in example.scenes.values() if isinstance(s.exit, Chance))
    for seed in range(40):
        state = new_state(example, seed)
        state = type(state)(
            chance.id, state.values, state.visits, state.seed, state.draws, state.turn, state.trail
        )
        after = step(example, state, 0)
        e = step_event(example, state, after, 0)
        assert e.choice is None and e.outcome is not None
        assert e.outcome.startswith(f"{chance.id}.")
        arrived = example.scenes[after.scene].exit
        assert e.ending_class == (arrived.ending_class if isinstance(arrived, Ending) else None)
        assert e.locale == example.locale


def test_an_event_holds_nothing_that_identifies_a_person() -> None:
    names = set(StepEvent._fields)
    assert names == {
        "story_id",
        "story_version",
        "journey_id",
        "step",
        "scene",
        "choice",
        "outcome",
        "arrived",
        "ending_class",
        "locale",
        "hour",
    }


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 1, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2025, 1, 2, 4, 59, 59),  # naive means UTC
    ],
)
def test_time_is_kept_to_the_hour_in_utc(moment: datetime) -> None:
    assert hour_of(moment) == datetime(2025, 1, 2, 4, tzinfo=UTC)
