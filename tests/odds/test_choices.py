"""Per-choice odds for the web player, and the words it shows them in."""

from __future__ import annotations

from fractions import Fraction

import pytest

from passage.engine import State, new_state, step
from passage.odds import choices as choice_module
from passage.odds.choices import (
    OddsUnavailable,
    choice_odds,
    clear_cache,
    journey_odds,
    phrase,
)
from passage.odds.graph import DEFAULT_MAX_STATES
from passage.story import Story
from passage.story.model import Chance
from tests.odds.conftest import fixture


def test_choice_odds_at_the_start_of_the_example(example: Story) -> None:
    start = new_state(example, 1)
    odds = choice_odds(example, start)
    assert set(odds) == {0, 1}  # call the sister, or leave the phone
    assert odds[0]["caught"] == pytest.approx(0.4)  # the call leads straight to the river
    assert odds[0]["stayed"] == 0.0
    journey = journey_odds(example)
    for name in example.endings:  # a random player picks each choice half the time
        assert journey[name] == pytest.approx((odds[0][name] + odds[1][name]) / 2)
    assert journey == pytest.approx({"reached-far-bank": 0.5, "caught": 1 / 3, "stayed": 1 / 6})


def test_chance_scenes_give_the_continuation_and_endings_nothing(example: Story) -> None:
    state = step(example, step(example, new_state(example, 1), 0), 0)  # call -> river
    assert isinstance(example.scenes[state.scene].exit, Chance)
    odds = choice_odds(example, state)
    assert list(odds) == [0]
    assert odds[0]["reached-far-bank"] == pytest.approx(0.6)
    while example.scenes[state.scene].exit.kind != "ending":
        state = step(example, state, 0)
    assert choice_odds(example, state) == {}


def test_two_doors_each_choice_has_its_own_odds() -> None:
    story = fixture("two-doors")
    odds = choice_odds(story, new_state(story, 0))
    assert odds == {0: {"out": 0.5, "lost": 0.5}, 1: {"out": 0.25, "lost": 0.75}}


def test_results_are_cached_per_story_version(example: Story) -> None:
    clear_cache()
    choice_odds(example, new_state(example, 1))
    key = (example.id, example.version, DEFAULT_MAX_STATES)
    cached = choice_module._CACHE[key]
    journey_odds(example)
    assert choice_module._CACHE[key] is cached


def test_a_state_the_start_cannot_reach_is_solved_from_where_it_is(example: Story) -> None:
    start = new_state(example, 1)
    rich = State("market", (4, True, "sister", 1), start.visits, 1, 0, 0, ())
    odds = choice_odds(example, rich)
    assert list(odds) == [0]  # market is a jump: the continuation
    assert sum(odds[0].values()) == pytest.approx(1.0)


def test_unsolvable_stories_raise_odds_unavailable_every_time() -> None:
    story = fixture("stuck")
    clear_cache()
    for _ in range(2):
        with pytest.raises(OddsUnavailable, match="no choice enabled"):
            choice_odds(story, new_state(story, 0))


def test_too_large_stories_raise_odds_unavailable() -> None:
    story = fixture("money")
    clear_cache()
    with pytest.raises(OddsUnavailable, match="more than 3 reachable states"):
        journey_odds(story, max_states=3)
    assert sum(journey_odds(story).values()) == pytest.approx(1.0)  # the limit is part of the key


@pytest.mark.parametrize(
    ("probability", "words"),
    [(0.0, "no"), (1.0, "every"), (0.2, "about 1 in 5"), (0.21, "about 1 in 5"),
     (0.4, "about 4 in 10"), (0.7, "about 7 in 10"), (0.001, "fewer than 1 in 200"),
     (float(Fraction(1, 3)), "about 1 in 3"), (0.999, "almost every")],
)
def test_phrase(probability: float, words: str) -> None:
    assert phrase(probability) == words
