"""What ``passage odds`` found, as plain values: for the table, the JSON and the tests.

Every probability is a float; where the exact solver ran it is also a
``Fraction`` (shown as ``7/25`` in JSON), so a test can compare with a hand-made
answer exactly and an author can quote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["Distribution", "OddsReport", "SlotFactor", "SpaceReport", "Unreached"]


@dataclass(frozen=True, slots=True)
class Distribution:
    """Where one kind of player's journeys end, and how long they take."""

    player: str  # "random", "best", "worst"
    endings: dict[str, float]  # ending scene id -> probability
    classes: dict[str, float]  # ending class -> probability
    expected_scenes: float  # scenes seen, the first and the ending included
    expected_choices: float  # decisions taken at choice scenes
    exact_endings: dict[str, Fraction] | None = None
    exact_classes: dict[str, Fraction] | None = None
    exact_scenes: Fraction | None = None
    exact_choices: Fraction | None = None
    # for a policy: scene id -> {authored choice index: probability the journey takes it}
    decisions: dict[str, dict[int, float]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "player": self.player,
            "classes": self.classes,
            "endings": self.endings,
            "expected_scenes": self.expected_scenes,
            "expected_choices": self.expected_choices,
        }
        if self.exact_classes is not None and self.exact_endings is not None:
            data["exact"] = {
                "classes": {k: str(v) for k, v in self.exact_classes.items()},
                "endings": {k: str(v) for k, v in self.exact_endings.items()},
                "expected_scenes": str(self.exact_scenes),
                "expected_choices": str(self.exact_choices),
            }
        if self.decisions:
            data["decisions"] = {scene: {str(k): v for k, v in taken.items()}
                                 for scene, taken in self.decisions.items()}
        return data


@dataclass(frozen=True, slots=True)
class SlotFactor:
    """How much one variable (or visit count) multiplies the number of states."""

    name: str
    values: int  # distinct values it takes in reachable states
    factor: float  # states / states if it were ignored

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "values": self.values, "factor": round(self.factor, 3)}


@dataclass(frozen=True, slots=True)
class SpaceReport:
    states: int  # reachable states, merged where no later condition can tell them apart
    edges: int
    scenes: int  # scenes some reachable state is in
    packed: bool  # explored as packed integer arrays
    factors: tuple[SlotFactor, ...]  # largest first

    def as_json(self) -> dict[str, Any]:
        return {"states": self.states, "edges": self.edges, "scenes": self.scenes,
                "packed": self.packed, "factors": [f.as_json() for f in self.factors]}


@dataclass(frozen=True, slots=True)
class Unreached:
    """Content that no way of playing reaches (whatever the choices and the luck)."""

    scenes: tuple[str, ...]
    choices: tuple[tuple[str, int], ...]  # (scene id, authored choice index)
    branches: tuple[tuple[str, int], ...]  # (scene id, jump branch index)

    def __bool__(self) -> bool:
        return bool(self.scenes or self.choices or self.branches)

    def as_json(self) -> dict[str, Any]:
        return {"scenes": list(self.scenes),
                "choices": [{"scene": s, "choice": i} for s, i in self.choices],
                "jump_branches": [{"scene": s, "branch": i} for s, i in self.branches]}


@dataclass(frozen=True, slots=True)
class OddsReport:
    story: str
    version: str
    space: SpaceReport
    random: Distribution
    target: str | None = None
    best: Distribution | None = None
    worst: Distribution | None = None
    unreached: Unreached = Unreached((), (), ())
    exact: bool = False
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "story": self.story,
            "version": self.version,
            "exact": self.exact,
            "seconds": round(self.seconds, 4),
            "space": self.space.as_json(),
            "random": self.random.as_json(),
            "unreachable": self.unreached.as_json(),
        }
        if self.target is not None:
            data["target"] = self.target
            data["best"] = self.best.as_json() if self.best else None
            data["worst"] = self.worst.as_json() if self.worst else None
        return data
