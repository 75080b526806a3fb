"""The seam for "how others chose" and ending odds: an optional provider the app asks.

The web tier does not know where figures come from (anonymous statistics, the
exact odds solver, or nothing): it shows what a provider returns and shows
nothing when there is no provider or the provider has nothing to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from passage.engine import State, View
from passage.story.model import Story

__all__ = ["Odds", "OddsProvider"]


@dataclass(frozen=True, slots=True)
class Odds:
    """Shares between 0 and 1, keyed by choice key (a scene) or ending class (an ending).

    ``basis`` says in the reader's words where the figures come from, for example
    "from 1,204 anonymous journeys" or "exact odds for a player choosing at random".
    """

    shares: Mapping[str, float]
    basis: str


class OddsProvider(Protocol):
    """Given a state and its view: shares for the view's choices, or, at an ending, per class.

    The web player calls it with the state *before* a choice (to show, after the
    choice, how others chose there) and with the ending state (to show how
    journeys end). Return None to show nothing. Must be quick and must not raise.

    A provider with nothing to say after a choice may set a class attribute
    ``endings_only = True``: the player then asks it at endings only, and saves
    building the previous scene's view on every step.
    """

    def odds(self, story: Story, state: State, view: View) -> Odds | None: ...
