"""The optional odds provider: shown after a choice and at endings; absent, nothing shows."""

from __future__ import annotations

import re

from passage.engine import State, View
from passage.story import Story
from passage.web import Odds, create_app

from .conftest import KEY, Client, first_page
from .journeys import path_to, token_of


class FixedOdds:
    """A real provider with fixed figures: two thirds call, a third wait; endings split."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def odds(self, story: Story, state: State, view: View) -> Odds | None:
        self.calls.append((state.scene, view.kind))
        if view.kind == "ending":
            return Odds({"reached-far-bank": 0.25, "caught": 0.5, "stayed": 0.25},
                        "from 4 test journeys")
        if state.scene == "kitchen":
            return Odds({"kitchen.choice-1": 2 / 3, "kitchen.choice-2": 1 / 3},
                        "from 3 test journeys")
        return None


def test_after_a_choice_shows_how_others_chose(story: Story) -> None:
    provider = FixedOdds()
    client = Client(create_app(story, KEY, odds=provider))
    first = client.get(first_page(client)).text
    assert "How others chose" not in first  # nothing before a choice
    wait = re.findall(r'<a class="choice" href="([^"]+)"', first)[1]
    page = client.get(wait).text
    assert "How others chose at “The kitchen”" in page
    assert "about 67%</span> Call my sister" in page
    assert "about 33%</span> Leave the phone where it is <span class=\"you\">(your choice)" in page
    assert "from 3 test journeys" in page
    assert ("kitchen", "choices") in provider.calls


def test_endings_show_how_journeys_end(story: Story) -> None:
    client = Client(create_app(story, KEY, odds=FixedOdds()))
    page = client.get(f"/play/{token_of(story, path_to(story, [1, 2]))}").text
    assert "How journeys end" in page
    assert "25%</span> Stayed home <span class=\"you\">(this journey)" in page
    assert "50%</span> Caught" in page


def test_a_provider_with_nothing_to_say_or_failing_shows_nothing(story: Story) -> None:
    class Failing:
        def odds(self, story: Story, state: State, view: View) -> Odds | None:
            raise RuntimeError("database down")

    client = Client(create_app(story, KEY, odds=Failing()))
    first = client.get(first_page(client)).text
    page = client.get(re.findall(r'<a class="choice" href="([^"]+)"', first)[0])
    assert page.status_code == 200 and "How others chose" not in page.text
