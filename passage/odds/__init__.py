"""Exact odds of a story's endings: absorbing Markov chains and MDPs over its states.

The public surface: :func:`solve` (the whole report, as ``passage odds`` prints
it), :func:`choice_odds` and :func:`journey_odds` (cached per story version, for
the web player), and the errors. See docs/odds.md for the method.
"""

from passage.engine.space import SpaceTooLarge
from passage.odds.choices import OddsUnavailable, choice_odds, journey_odds, phrase
from passage.odds.report import Distribution, OddsReport
from passage.odds.solve import OddsError, solve

__all__ = [
    "Distribution",
    "OddsError",
    "OddsReport",
    "OddsUnavailable",
    "SpaceTooLarge",
    "choice_odds",
    "journey_odds",
    "phrase",
    "solve",
]
