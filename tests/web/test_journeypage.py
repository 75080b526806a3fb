"""Pages composed from cached parts are exactly the pages rendered from scratch.

A part cached under a key that misses something it depends on would show one
player another's situation; replaying many random journeys through one warm
renderer and comparing every page with a cold renderer's catches that.
"""

from __future__ import annotations

import gzip
import random

import pytest

from passage.engine import State, new_state, step, view
from passage.story import Story, StoryError, compile_story
from passage.web.journeypage import JourneyRenderer, Wishes
from passage.web.maps import MapRenderer
from passage.web.splice import join_gzip, join_plain
from passage.web.templating import Templates

from .conftest import ROOT

WISHES = (Wishes(False, False, ""), Wishes(True, True, "You chose not to be counted."),
          Wishes(False, True, "Your browser sends Do Not Track."))


def _renderer(story: Story) -> JourneyRenderer:
    templates = Templates(story)
    return JourneyRenderer(story, templates, MapRenderer(story, "/static/map/basemap.svg"),
                           recording=True)


def _states(story: Story, count: int) -> list[State]:
    rng = random.Random(11)
    states: list[State] = []
    while len(states) < count:
        state = new_state(story, rng.getrandbits(64))
        states.append(state)
        while not (current := view(story, state)).is_ending and len(states) < count:
            state = step(story, state, rng.choice([c.index for c in current.choices
                                                   if c.enabled]))
            states.append(state)
    return states


def _flagship() -> Story | None:
    try:
        return compile_story(ROOT / "stories" / "escape")
    except StoryError:
        return None


@pytest.mark.parametrize("name", ["example", "escape"])
def test_cached_pages_equal_fresh_pages(name: str) -> None:
    story = compile_story(ROOT / "stories" / "example") if name == "example" else _flagship()
    if story is None:
        pytest.skip("stories/escape does not compile yet")
    warm = _renderer(story)
    states = _states(story, 600)
    for number, state in enumerate(states):
        wishes = WISHES[number % len(WISHES)]
        warm.cached(state, wishes)  # fill the caches with many situations first
    cold = _renderer(story)
    cold_placeholder_free = 0
    for number, state in enumerate(states[::7]):
        wishes = WISHES[number % len(WISHES)]
        for cache in cold._caches.values():  # from scratch every time
            cache.clear()
        token = f"TOKEN{number}"
        expected = join_plain(cold.render(state, view(story, state), wishes), token)
        got = warm.cached(state, wishes)
        assert join_plain(got, token) == expected

        assert gzip.decompress(join_gzip(got, token)) == expected
        assert warm.placeholder.encode() not in expected
        cold_placeholder_free += 1
    assert cold_placeholder_free > 50
