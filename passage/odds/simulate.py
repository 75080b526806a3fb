"""The Monte Carlo cross-check: random journeys through the real engine, vs the solver.

The exact solver and the engine share only ``space.transitions``' definition of a
move; the simulation plays whole journeys with ``step`` (seeded chance draws, the
same code a reader's journey runs), so agreement between the two checks the
solver, the liveness merging and the engine against each other. Agreement is
judged per ending class and per ending with a binomial z-score: with the default
bound of 4 standard deviations a correct solver fails it about once in 16,000
classes, while a modelling error of a few percent is caught at 10,000 journeys.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from passage.autoplay import AutoplayResult, play_random
from passage.odds.report import Distribution
from passage.story.model import Story

__all__ = ["SIGMAS", "Agreement", "compare", "simulate"]

SIGMAS = 4.0


@dataclass(frozen=True, slots=True)
class Agreement:
    """One ending class (or ending): the exact probability against the simulated share."""

    name: str
    exact: float
    count: int
    journeys: int
    z: float  # (count - journeys * exact) / binomial standard deviation

    @property
    def share(self) -> float:
        return self.count / self.journeys if self.journeys else 0.0

    def agrees(self, sigmas: float = SIGMAS) -> bool:
        return abs(self.z) <= sigmas

    def as_json(self) -> dict[str, float | int | str]:
        return {"name": self.name, "exact": self.exact, "simulated": self.share,
                "journeys": self.count, "z": round(self.z, 3) if math.isfinite(self.z) else "inf"}


def simulate(story: Story, journeys: int, seed: int,
             progress: Callable[[int], None] | None = None) -> AutoplayResult:
    """Play ``journeys`` uniformly random journeys with the engine (``autoplay``)."""
    return play_random(story, journeys, seed, progress=progress)


def compare(exact: Distribution, result: AutoplayResult) -> tuple[list[Agreement],
                                                                 list[Agreement]]:
    """(per class, per ending) agreement between an exact distribution and a simulation."""
    classes = [_agreement(name, p, result.classes[name], result.journeys)
               for name, p in exact.classes.items()]
    endings = [_agreement(name, p, result.endings[name], result.journeys)
               for name, p in exact.endings.items()]
    return classes, endings


def _agreement(name: str, probability: float, count: int, journeys: int) -> Agreement:
    expected = journeys * probability
    variance = journeys * probability * (1 - probability)
    if variance <= 1e-12:  # a certain or impossible outcome must be exactly so
        z = 0.0 if abs(count - expected) < 0.5 else math.inf
    else:
        z = (count - expected) / math.sqrt(variance)
    return Agreement(name, probability, count, journeys, z)
