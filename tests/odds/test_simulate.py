"""Exact odds against random journeys through the real engine (``play_random``).

Agreement is within 4 binomial standard deviations per class and per ending; the
seeds are fixed, so these tests are deterministic.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from passage.odds.simulate import compare, simulate
from passage.odds.solve import solve
from passage.story import Story
from tests.odds.conftest import fixture


def agree(story: Story, journeys: int, seed: int) -> None:
    report = solve(story)
    result = simulate(story, journeys, seed)
    classes, endings = compare(report.random, result)
    bad = [row for row in classes + endings if not row.agrees()]
    assert not bad, [(row.name, row.exact, row.share, row.z) for row in bad]
    steps = result.steps / result.journeys  # the sample mean of steps: loose check
    assert steps == pytest.approx(report.random.expected_scenes - 1, rel=0.1)


def test_example(example: Story) -> None:
    agree(example, 20_000, seed=7)


@pytest.mark.parametrize("name", ["wait-loop", "back-and-forth", "money", "two-doors"])
def test_fixtures_with_loops_and_conditions(name: str) -> None:
    agree(fixture(name), 6_000, seed=11)


def test_flagship(escape: Story) -> None:
    agree(escape, 4_000, seed=2024)


def test_a_wrong_model_is_caught(example: Story) -> None:
    """The check has power: shifting one class by five points fails it at 20,000 journeys."""
    report = solve(example)
    wrong = dict(report.random.classes)
    wrong["caught"] += 0.05
    wrong["stayed"] -= 0.05
    result = simulate(example, 20_000, 7)
    classes, _ = compare(replace(report.random, classes=wrong), result)
    assert {row.name for row in classes if not row.agrees()} == {"caught", "stayed"}


def test_impossible_outcomes_must_never_happen() -> None:
    story = fixture("two-doors")
    report = solve(story, target="out")
    assert report.best is not None
    result = simulate(story, 500, 1)
    classes, _ = compare(replace(report.best, classes={"out": 1.0, "lost": 0.0}), result)
    assert all(not row.agrees() for row in classes)
