"""The engine: a journey's state, the pure ``step`` function, the ``view`` of a state, tokens."""

from passage.engine.state import Reveal, State, new_state
from passage.engine.step import ChoiceError, step
from passage.engine.token import TokenCodec, TokenError
from passage.engine.view import ChanceReveal, OfferedChoice, View, view

__all__ = [
    "ChanceReveal",
    "ChoiceError",
    "OfferedChoice",
    "Reveal",
    "State",
    "TokenCodec",
    "TokenError",
    "View",
    "new_state",
    "step",
    "view",
]
