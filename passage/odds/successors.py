"""The ways out of a state, merged by relevance, computed once per distinct situation.

``space.transitions`` is the one definition of how a state moves on. Calling it for
each of a few hundred thousand states costs tens of microseconds apiece, yet most
of those calls repeat earlier work: what a scene's exit does depends only on the
few slots its conditions read and its effects (and the entered scenes' effects and
visit counts) write. So the first state seen with given values of those slots pays
for a real ``transitions`` call, and every later state that agrees with it there
reuses the result, copying its own values for every other slot (no slot outside
that set can change along any of the scene's edges). Stories whose effects compute
values from the state fall back to a plain call per state.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from passage.engine.space import Key, transitions
from passage.odds.relevance import Relevance, exit_edges
from passage.story.expressions import Value
from passage.story.model import Scene, Story

__all__ = ["Edge", "Successors", "deciding_slots"]

Edge = tuple[int, Key]  # (label, projected target key)
# per edge: label, target scene, fixed (position, value) pairs for values and for visits
_Patch = tuple[int, str, tuple[tuple[int, Value], ...], tuple[tuple[int, int], ...]]


class _Plan:
    """The memo of one scene: which slots decide its edges, and what they produced."""

    __slots__ = ("cache", "memo_key", "value_slots", "visit_slots")

    def __init__(self, value_slots: tuple[int, ...], visit_slots: tuple[int, ...]) -> None:
        self.value_slots = value_slots
        self.visit_slots = visit_slots
        self.memo_key: Callable[[Key], Any] = _getter(value_slots, visit_slots)
        self.cache: dict[Any, list[_Patch]] = {}


class Successors:
    """``successors(key)`` lists ``(label, target)`` for a projected key, in edge order.

    ``label`` is the authored choice index at a choice scene, the outcome index at
    a chance scene and 0 at a jump; ``target`` is already projected.
    """

    def __init__(self, story: Story, relevance: Relevance) -> None:
        self.story = story
        self.relevance = relevance
        self.misses = 0  # real ``transitions`` calls, for the benchmarks
        self._plans: dict[str, _Plan | None] = {
            scene.id: None if relevance.opaque else self._plan(scene)
            for scene in story.scenes.values()
        }

    def __call__(self, key: Key) -> list[Edge]:
        plan = self._plans[key[0]]
        if plan is None:
            return self.direct(key)
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
        """A real ``transitions`` call, its targets projected."""
        self.misses += 1
        project = self.relevance.project
        result: list[Edge] = []
        for edge in transitions(self.story, key):
            scene_id, values, visits = edge.target
            label = edge.outcome if edge.outcome >= 0 else edge.choice
            result.append((label, (scene_id, *project(scene_id, values, visits))))
        return result

    def _patches(self, key: Key, plan: _Plan) -> list[_Patch]:
        patches: list[_Patch] = []
        for label, (target, values, visits) in self.direct(key):
            dead, counts = self.relevance.plans[target]
            value_positions = sorted({*plan.value_slots, *(i for i, _ in dead)})
            visit_positions = sorted({*plan.visit_slots,
                                      *(j for j, c in enumerate(counts) if c == 0)})
            patches.append((label, target,
                            tuple((i, values[i]) for i in value_positions),
                            tuple((j, visits[j]) for j in visit_positions)))
        return patches

    def _plan(self, scene: Scene) -> _Plan:
        mask = deciding_slots(self.story, self.relevance, scene)
        width = len(self.story.variables)
        total = width + len(self.story.tracked_scenes)
        slots = [i for i in range(total) if mask >> i & 1]
        return _Plan(tuple(i for i in slots if i < width),
                     tuple(i - width for i in slots if i >= width))


def deciding_slots(story: Story, relevance: Relevance, scene: Scene) -> int:
    """Slots that decide a scene's edges: what it reads, and what any edge writes
    (its own effects, the entered scene's effects and that scene's visit count)."""
    width = len(story.variables)
    mask = relevance.reads[scene.id]
    tracked = {scene_id: j for j, scene_id in enumerate(story.tracked_scenes)}
    for effects, target in exit_edges(scene):
        for effect in (*effects, *story.scenes[target].on_enter):
            mask |= 1 << effect.index
        if target in tracked:
            mask |= 1 << (width + tracked[target])
    return mask


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
