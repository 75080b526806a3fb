"""Calibration: does the story's model echo the record it is based on?

``story.toml`` may declare, per ending class, a band the share of random journeys
should fall in, with the sources the band comes from (e.g. "between 30 and 45 per
cent of attempts in 2022-24 ended in arrest in China"). A story whose mechanics
drift outside the record would tell its audience something untrue, so ``passage
odds --calibrate`` exits non-zero and ``passage check`` reports an error located
at the band.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from passage.engine.space import SpaceTooLarge
from passage.odds.graph import DEFAULT_MAX_STATES
from passage.odds.report import Distribution
from passage.odds.solve import OddsError, random_player
from passage.story.errors import Diagnostic
from passage.story.model import Calibration, Story

__all__ = ["BandCheck", "calibration_diagnostics", "check_bands"]


@dataclass(frozen=True, slots=True)
class BandCheck:
    """One declared band and what the model gives for its class."""

    band: Calibration
    model: float
    exact: Fraction | None

    @property
    def inside(self) -> bool:
        value = self.exact if self.exact is not None else self.model
        return self.band.minimum <= value <= self.band.maximum

    def describe(self) -> str:
        band = self.band
        where = "inside" if self.inside else "outside"
        return (f"{self.model:.1%} of random journeys end in {band.ending_class!r}, {where} "
                f"the record's band {band.minimum:.0%}–{band.maximum:.0%} "
                f"({', '.join(band.sources)})")

    def as_json(self) -> dict[str, object]:
        return {"class": self.band.ending_class, "min": self.band.minimum,
                "max": self.band.maximum, "sources": list(self.band.sources),
                "model": self.model, "exact": None if self.exact is None else str(self.exact),
                "inside": self.inside, "location": str(self.band.location)}


def check_bands(story: Story, random: Distribution) -> list[BandCheck]:
    exact = random.exact_classes
    return [BandCheck(band, random.classes.get(band.ending_class, 0.0),
                      None if exact is None else exact.get(band.ending_class, Fraction(0)))
            for band in story.calibration]


def calibration_diagnostics(story: Story,
                            max_states: int = DEFAULT_MAX_STATES) -> list[Diagnostic]:
    """For ``passage check``: an error per band the model falls outside of."""
    if not story.calibration:
        return []
    try:
        random = random_player(story, max_states)
    except SpaceTooLarge as error:
        return [Diagnostic("warning", "calibration-unchecked",
                           f"calibration bands were not checked: {error}",
                           story.calibration[0].location)]
    except OddsError:
        return []  # a journey can get stuck: the checker reports that itself
    return [Diagnostic("error", "calibration", result.describe(), result.band.location)
            for result in check_bands(story, random) if not result.inside]
