"""A player's progress: a small immutable value, separate from the story it points into.

A state names its scene by id (the stable key) and carries no story content, so it
can travel in a signed URL token and be replayed exactly: the seed and the draw
counter decide every chance outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from passage.story.expressions import Value
from passage.story.model import Story

__all__ = ["Reveal", "State", "new_state"]


@dataclass(frozen=True, slots=True)
class Reveal:
    """How the player arrived by chance: the chance scene and the outcome drawn."""

    scene: str
    outcome: int


@dataclass(frozen=True, slots=True)
class State:
    scene: str
    values: tuple[Value, ...]  # in the order of Story.variables
    visits: tuple[int, ...]  # in the order of Story.tracked_scenes
    seed: int  # 64-bit, chosen at the start of the journey
    draws: int  # how many chance draws this journey has made
    turn: int  # how many steps this journey has taken
    trail: tuple[str, ...]  # waypoints passed, without repeats in a row (for the map)
    reveal: Reveal | None = None

    @property
    def journey_id(self) -> str:
        """An anonymous id for statistics: derived from the seed, never from the player."""
        return f"{self.seed:016x}"


def new_state(story: Story, seed: int) -> State:
    """The state at the start scene, with the start scene's entry effects applied."""
    from passage.engine.step import enter  # step depends on State; avoid an import cycle

    values = tuple(v.initial for v in story.variables)
    visits = (0,) * len(story.tracked_scenes)
    blank = State(story.start, values, visits, seed & (2**64 - 1), 0, 0, ())
    return enter(story, blank, story.start, values, reveal=None, count_turn=False)
