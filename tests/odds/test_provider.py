"""The exact odds behind the web player's seam, through the real app."""

from __future__ import annotations

import pytest

from passage.engine import TokenCodec, new_state, step, view
from passage.odds.provider import BASIS, ExactOddsProvider
from passage.story import Story
from passage.web import create_app
from tests.odds.conftest import fixture
from tests.web.conftest import KEY, Client


def test_shares_at_endings_only(example: Story) -> None:
    provider = ExactOddsProvider()
    assert provider.warm(example)
    state = new_state(example, 1)
    assert provider.odds(example, state, view(example, state)) is None
    state = step(example, state, 1)  # wait
    state = step(example, state, 2)  # stay home for good
    odds = provider.odds(example, state, view(example, state))
    assert odds is not None and odds.basis == BASIS
    assert dict(odds.shares) == pytest.approx(
        {"reached-far-bank": 0.5, "caught": 1 / 3, "stayed": 1 / 6})


def test_unsolvable_stories_show_nothing() -> None:
    story = fixture("stuck")
    provider = ExactOddsProvider()
    assert not provider.warm(story)
    state = new_state(story, 0)
    assert provider.odds(story, state, view(story, state)) is None


def test_the_web_player_shows_exact_odds_at_an_ending(example: Story) -> None:
    client = Client(create_app(example, KEY, odds=ExactOddsProvider()))
    ending = step(example, step(example, new_state(example, 7), 1), 2)  # stays home
    page = client.get(f"/play/{TokenCodec(example, KEY).encode(ending)}").text
    assert "How journeys end" in page
    assert "17%</span> Stayed home <span class=\"you\">(this journey)" in page
    assert "50%</span> Reached the far bank" in page and BASIS in page
