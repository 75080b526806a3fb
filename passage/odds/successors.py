"""The ways out of a state, computed once per distinct situation.

``space.transitions`` is the one definition of how a state moves on (and returns
canonical keys, see ``passage.engine.liveness``). Calling it for each of a few
hundred thousand states costs tens of microseconds apiece, yet most calls repeat
earlier work: what a scene's exit does depends only on the slots that decide it
(:attr:`Relevance.deciding`). So the first state seen with given values of those
slots pays for a real call, and every later state that agrees with it there reuses
the result, keeping its own values in every other slot: no edge of the scene can
change those, and the target's liveness can only forget them, which the reused
result records too.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from passage.engine.space import Key, state_of, transitions
from passage.engine.view import view
from passage.odds.relevance import Relevance
from passage.story.expressions import Value
from passage.story.model import Jump, Story

__all__ = ["Edge", "Successors"]

Edge = tuple[int, Key]  # (label, canonical target key)
# per edge: label, target scene, fixed (position, value) pairs for values and for visits
_Patch = tuple[int, str, tuple[tuple[int, Value], ...], tuple[tuple[int, int], ...]]


class _Plan:
    """The memo of one scene: the slots that decide it, and what each situation gave."""

    __slots__ = ("cache", "memo_key", "value_slots", "visit_slots")

    def __init__(self, value_slots: tuple[int, ...], visit_slots: tuple[int, ...]) -> None:
        self.value_slots = value_slots
        self.visit_slots = visit_slots
        self.memo_key: Callable[[Key], Any] = _getter(value_slots, visit_slots)
        self.cache: dict[Any, list[_Patch]] = {}


class Successors:
    """``successors(key)`` lists ``(label, target)`` for a canonical key, in edge order.

    ``label`` is the authored choice index at a choice scene, the outcome index at
    a chance scene and the index of the branch taken at a jump (``step`` takes 0).
    """

    def __init__(self, story: Story, relevance: Relevance) -> None:
        self.story = story
        self.relevance = relevance
        self.misses = 0  # real ``transitions`` calls, for the benchmarks
        width = len(story.variables)
        self._dead: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
        for scene_id, mask in relevance.live.items():
            dead = [i for i in range(relevance.slots) if not mask >> i & 1]
            self._dead[scene_id] = (tuple(i for i in dead if i < width),
                                    tuple(i - width for i in dead if i >= width))
        self._branches = {
            scene.id: {branch.key: i for i, branch in enumerate(scene.exit.branches)}
            for scene in story.scenes.values() if isinstance(scene.exit, Jump)
        }
        self._plans: dict[str, _Plan] = {}
        for scene_id, mask in relevance.deciding.items():
            slots = [i for i in range(relevance.slots) if mask >> i & 1]
            self._plans[scene_id] = _Plan(tuple(i for i in slots if i < width),
                                          tuple(i - width for i in slots if i >= width))

    def __call__(self, key: Key) -> list[Edge]:
        plan = self._plans[key[0]]
        memo = plan.memo_key(key)
        patches = plan.cache.get(memo)
        if patches is None:
            patches = plan.cache[memo] = self._patches(key, plan)
        _, values, visits = key
        result: list[Edge] = []
        for label, target, fixed_values, fixed_visits in patches:
            new_values = values
            if fixed_values:
                changed = list(values)
                for position, value in fixed_values:
                    changed[position] = value
                new_values = tuple(changed)
            new_visits = visits
            if fixed_visits:
                counts = list(visits)
                for position, count in fixed_visits:
                    counts[position] = count
                new_visits = tuple(counts)
            result.append((label, (target, new_values, new_visits)))
        return result

    def direct(self, key: Key) -> list[Edge]:
        """A real ``transitions`` call; at a jump, the label says which branch was taken."""
        self.misses += 1
        edges = transitions(self.story, key)
        branches = self._branches.get(key[0])
        if branches is not None:
            taken = view(self.story, state_of(key)).choices[0].key
            return [(branches[taken], edge.target) for edge in edges]
        return [(edge.outcome if edge.outcome >= 0 else edge.choice, edge.target)
                for edge in edges]

    def _patches(self, key: Key, plan: _Plan) -> list[_Patch]:
        patches: list[_Patch] = []
        width = len(self.story.variables)
        writes = self.relevance.writes[key[0]]
        for label, (target, values, visits) in self.direct(key):
            dead_values, dead_visits = self._dead[target]
            mask = writes[label]
            written = [i for i in range(self.relevance.slots) if mask >> i & 1]
            value_positions = sorted({*(i for i in written if i < width), *dead_values})
            visit_positions = sorted({*(i - width for i in written if i >= width),
                                      *dead_visits})
            patches.append((label, target,
                            tuple((i, values[i]) for i in value_positions),
                            tuple((j, visits[j]) for j in visit_positions)))
        return patches


def _getter(value_slots: tuple[int, ...], visit_slots: tuple[int, ...]) -> Callable[[Key], Any]:
    """A fast function from a key to the values of the given slots (hashable)."""
    pick_values = itemgetter(*value_slots) if value_slots else None
    pick_visits = itemgetter(*visit_slots) if visit_slots else None
    if pick_values and pick_visits:
        return lambda key: (pick_values(key[1]), pick_visits(key[2]))
    if pick_values:
        return lambda key: pick_values(key[1])
    if pick_visits:
        return lambda key: pick_visits(key[2])
    return lambda key: None
