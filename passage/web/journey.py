"""One journey step, shared by the HTML pages and the JSON API: open, step, record, ask odds.

A request carries everything: the token holds the state, the URL the choice,
the headers and query the player's privacy wishes. Nothing is remembered
between requests, so any worker can answer any of them.
"""

from __future__ import annotations

import logging
import secrets

from passage.analytics.events import ChoiceStats, EventSink, step_event
from passage.engine import ChoiceError, State, TokenCodec, TokenError, View, new_state, step, view
from passage.story.model import Story
from passage.web.odds import Odds, OddsProvider

__all__ = ["ChoiceError", "Journeys", "TokenError"]

_log = logging.getLogger("passage.web")


class Journeys:
    """The story, its token codec, the optional sink, odds and statistics, for request handlers."""

    def __init__(self, story: Story, key: bytes, events: EventSink | None = None,
                 odds: OddsProvider | None = None, stats: ChoiceStats | None = None) -> None:
        self.story = story
        self.codec = TokenCodec(story, key)
        self.events = events
        self.odds_provider = odds
        self.stats = stats  # "how others chose" (anonymous counts, shown from 20 journeys up)

    def begin(self, seed: int | None = None) -> State:
        return new_state(self.story, secrets.randbits(64) if seed is None else seed)

    def open(self, token: str) -> State:
        """The state in ``token``; raises TokenError (never anything else) when it can't be used."""
        return self.codec.decode(token)

    def token(self, state: State) -> str:
        return self.codec.encode(state)

    def view(self, state: State) -> View:
        return view(self.story, state)

    def choose(self, state: State, choice: int, private: bool) -> State:
        """Take ``choice`` and record the step unless the player asked for privacy."""
        after = step(self.story, state, choice)
        if self.events is not None and not private:
            self._record(state, choice, after)
        return after

    def odds(self, state: State, state_view: View) -> Odds | None:
        """Whatever the provider has to say; a failing provider costs the figures, not the page."""
        if self.odds_provider is None:
            return None
        try:
            return self.odds_provider.odds(self.story, state, state_view)
        except Exception:
            _log.exception("the odds provider failed; showing the page without odds")
            return None

    def _record(self, before: State, choice: int, after: State) -> None:
        try:
            self.events.record(step_event(self.story, before, after, choice))  # type: ignore[union-attr]
        except Exception:
            _log.exception("the event sink failed; the step was not recorded")
