"""One journey step, shared by the HTML pages and the JSON API: open, step, record, ask odds.

A request carries everything: the token holds the state, the URL the choice,
the headers and query the player's privacy wishes. Nothing is remembered
between requests, so any worker can answer any of them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from passage.analytics.events import EventSink, StepEvent
from passage.engine import ChoiceError, State, TokenCodec, TokenError, View, new_state, step, view
from passage.story.model import Choices, Ending, Story
from passage.web.odds import Odds, OddsProvider

__all__ = ["ChoiceError", "Journeys", "TokenError", "wants_privacy"]

_log = logging.getLogger("passage.web")


def wants_privacy(headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    """True for Do-Not-Track or Global Privacy Control, or when the player opted out."""
    return (headers.get("dnt", "").strip() == "1"
            or headers.get("sec-gpc", "").strip() == "1"
            or query.get("nostats") == "1")


class Journeys:
    """The story, its token codec and the optional sink and odds provider, for request handlers."""

    def __init__(self, story: Story, key: bytes, events: EventSink | None = None,
                 odds: OddsProvider | None = None) -> None:
        self.story = story
        self.codec = TokenCodec(story, key)
        self.events = events
        self.odds_provider = odds

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
        story = self.story
        scene = story.scenes[before.scene]
        choice_key = scene.exit.choices[choice].key if isinstance(scene.exit, Choices) else None
        outcome = None
        if after.reveal is not None and after.reveal.scene == before.scene:
            chance = scene.exit
            outcome = chance.outcomes[after.reveal.outcome].key  # type: ignore[union-attr]
        arrived = story.scenes[after.scene]
        event = StepEvent(
            story_id=story.id, story_version=story.version, journey_id=after.journey_id,
            step=after.turn, scene=before.scene, choice=choice_key, outcome=outcome,
            arrived=after.scene,
            ending_class=arrived.exit.ending_class if isinstance(arrived.exit, Ending) else None,
            locale=story.locale,
            hour=datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
        )
        try:
            self.events.record(event)  # type: ignore[union-attr]
        except Exception:
            _log.exception("the event sink failed; the step was not recorded")
