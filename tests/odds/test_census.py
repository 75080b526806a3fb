"""The state-space report: how many states, and which variables multiply them."""

from __future__ import annotations

from passage.odds.census import space_report, unreached
from passage.odds.graph import build
from passage.story import Story
from tests.odds.conftest import fixture


def test_factors_of_the_example(example: Story) -> None:
    report = space_report(build(example))
    assert report.states == 21 and report.edges == 35 and report.scenes == 10
    factors = {f.name: f for f in report.factors}
    assert factors["exhaustion"].values == 4 and factors["exhaustion"].factor > 1
    assert all(f.factor >= 1 for f in report.factors)
    assert list(report.factors) == sorted(report.factors, key=lambda f: (-f.factor, f.name))


def test_a_variable_that_multiplies_states_by_its_range() -> None:
    graph = build(fixture("money"))
    factors = {f.name: f for f in space_report(graph).factors}
    assert factors["money"].values == 4
    assert factors["money"].factor > factors["spent"].factor


def test_unreached_content() -> None:
    found = unreached(build(fixture("unreachable")))
    assert found.scenes == ("rich", "forgotten")
    assert found.choices == (("start", 1),)
    assert found.branches == (("middle", 1),)
    assert not unreached(build(fixture("two-doors")))
