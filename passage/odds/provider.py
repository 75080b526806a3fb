"""The exact solver behind the web player's odds seam (``passage.web.odds.OddsProvider``).

At an ending the web player shows "how journeys end": here, the exact share of
random journeys ending in each class. After a choice it shows how *others* chose,
which only anonymous statistics can say, so this provider has nothing to add there
(wire a statistics provider for that). It never raises: a story too large to
solve shows no figures rather than an error.
"""

from __future__ import annotations

from passage.engine import State, View
from passage.odds.choices import OddsUnavailable, clear_cache, journey_odds
from passage.story.model import Story
from passage.web.odds import Odds

__all__ = ["BASIS", "ExactOddsProvider"]

BASIS = "Exact odds for a reader choosing at random, from the sourced rates in the story."


class ExactOddsProvider:
    """Class shares at endings, from :func:`passage.odds.choices.journey_odds`. Call
    :meth:`warm` at start-up: it solves before the first reader arrives and keeps only
    the shares, letting the solver's state graph go (a few hundred MB for the flagship
    would otherwise stay in every worker)."""

    endings_only = True  # the web player need not ask after a choice (see OddsProvider)

    def __init__(self) -> None:
        self._shares: dict[tuple[str, str], dict[str, float] | None] = {}

    def warm(self, story: Story) -> bool:
        """Solve now; False when the story cannot be solved (no figures will be shown)."""
        self._shares[(story.id, story.version)] = self._solve(story)
        clear_cache()
        return self._shares[(story.id, story.version)] is not None

    def odds(self, story: Story, state: State, view: View) -> Odds | None:
        if not view.is_ending:
            return None
        key = (story.id, story.version)
        if key not in self._shares:
            self._shares[key] = self._solve(story)
        shares = self._shares[key]
        return None if shares is None else Odds(shares, BASIS)

    @staticmethod
    def _solve(story: Story) -> dict[str, float] | None:
        try:
            return dict(journey_odds(story))
        except OddsUnavailable:
            return None
