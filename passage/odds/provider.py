"""The exact solver behind the web player's odds seam (``passage.web.odds.OddsProvider``).

At an ending the web player shows "how journeys end": here, the exact share of
random journeys ending in each class. After a choice it shows how *others* chose,
which only anonymous statistics can say, so this provider has nothing to add there
(wire a statistics provider for that). It never raises: a story too large to
solve shows no figures rather than an error.
"""

from __future__ import annotations

from passage.engine import State, View
from passage.odds.choices import OddsUnavailable, journey_odds
from passage.story.model import Story
from passage.web.odds import Odds

__all__ = ["BASIS", "ExactOddsProvider"]

BASIS = "Exact odds for a reader choosing at random, from the sourced rates in the story."


class ExactOddsProvider:
    """Class shares at endings, from :func:`passage.odds.choices.journey_odds` (cached
    per story id and version; call :meth:`warm` at start-up to solve before the first
    reader arrives)."""

    def warm(self, story: Story) -> bool:
        """Solve now; False when the story cannot be solved (no figures will be shown)."""
        try:
            journey_odds(story)
        except OddsUnavailable:
            return False
        return True

    def odds(self, story: Story, state: State, view: View) -> Odds | None:
        if not view.is_ending:
            return None
        try:
            shares = journey_odds(story)
        except OddsUnavailable:
            return None
        return Odds(shares, BASIS)
