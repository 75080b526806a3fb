""" "How others chose" as pages show it: every choice, whole percentages, nothing below 20."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from passage.analytics.aggregates import StatsCache
from passage.analytics.display import Share, choice_shares, ending_shares, percentages
from passage.analytics.sample import random_events
from passage.story import Story
from tests.analytics.helpers import NOW, Backend


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_percentages_are_whole_and_add_up_to_100(counts: list[int]) -> None:
    result = percentages(counts)
    assert len(result) == len(counts)
    assert sum(result) == (100 if sum(counts) else 0)
    for count, percent in zip(counts, result, strict=True):
        assert abs(percent - count * 100 / max(sum(counts), 1)) < 1


def test_percentages_of_a_three_way_tie() -> None:
    assert percentages([1, 1, 1]) == [34, 33, 33]


def test_choice_and_ending_shares_for_real_journeys(backend: Backend, example: Story) -> None:
    store = backend.open()
    store.write(random_events(example, 120, seed=2, now=NOW))
    store.close()
    stats = StatsCache(backend.factory(), background=False)
    stats.refresh()
    kitchen = choice_shares(stats, example, "kitchen", chosen="kitchen.choice-2")
    assert kitchen is not None
    assert [s.label for s in kitchen.items] == ["Call my sister", "Leave the phone where it is"]
    assert kitchen.total == 120 and sum(s.percent for s in kitchen.items) == 100
    assert [s.yours for s in kitchen.items] == [False, True]
    river = choice_shares(stats, example, "river-eve")  # a chance scene: how chance fell
    assert river is not None and {s.key for s in river.items} == {
        "river-eve.outcome-1",
        "river-eve.outcome-2",
    }
    endings = ending_shares(stats, example, yours="caught")
    assert endings is not None and endings.total == 120
    assert [s.key for s in endings.items] == list(example.endings)
    assert next(s for s in endings.items if s.yours).key == "caught"
    assert choice_shares(stats, example, "no-such-scene") is None
    assert choice_shares(stats, example, "stayed") is None  # an ending has no choices
    stats.close()


def test_below_the_threshold_nothing_is_shown(example: Story) -> None:
    class Few:
        def choice_shares(self, story_id: str, version: str, scene: str) -> dict[str, int] | None:
            return None

        def ending_shares(self, story_id: str, version: str) -> dict[str, int] | None:
            return None

    assert choice_shares(Few(), example, "kitchen") is None
    assert ending_shares(Few(), example) is None


def test_a_failing_provider_costs_the_figures_not_the_page(example: Story) -> None:
    class Broken:
        def choice_shares(self, story_id: str, version: str, scene: str) -> dict[str, int] | None:
            raise RuntimeError("database gone")

        def ending_shares(self, story_id: str, version: str) -> dict[str, int] | None:
            raise RuntimeError("database gone")

    assert choice_shares(Broken(), example, "kitchen") is None
    assert ending_shares(Broken(), example) is None


def test_a_choice_nobody_took_shows_as_zero(example: Story) -> None:
    class One:
        def choice_shares(self, story_id: str, version: str, scene: str) -> dict[str, int] | None:
            return {"kitchen.choice-1": 25}

        def ending_shares(self, story_id: str, version: str) -> dict[str, int] | None:
            return None

    shares = choice_shares(One(), example, "kitchen")
    assert shares is not None
    assert shares.items[1] == Share("kitchen.choice-2", "Leave the phone where it is", 0, 0, False)
