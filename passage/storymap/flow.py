"""How random journeys flow through the scene graph: the numbers the map prints.

A scene's *share* is the expected number of visits per random journey (for a
scene no loop returns to, the share of journeys that pass through it); an edge's
share is the expected number of times a journey takes it. Both come from the
exact absorbing-chain solution (``passage.odds``), not from sampling. Content no
reachable state offers is marked: a scene no link leads to is *unlinked*, one
that links lead to but no way of playing reaches is *never reached*, and a choice
no reachable state enables is *never possible*.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from passage.engine.space import SpaceTooLarge
from passage.odds.chain import Absorbing, uniform_weights
from passage.odds.graph import DEFAULT_MAX_STATES, build
from passage.odds.solve import OddsError, check_finishable
from passage.story.model import Story

__all__ = ["Flow", "flow"]


@dataclass(frozen=True, slots=True)
class Flow:
    """What the map needs to know beyond the story's own graph."""

    solved: bool  # False: the odds could not be computed; only the structure is drawn
    note: str  # why not, when not
    scenes: dict[str, float] = field(default_factory=dict)  # scene -> visits per journey
    edges: dict[tuple[str, int], float] = field(default_factory=dict)  # (scene, link) -> share
    reached: frozenset[str] = frozenset()  # scenes some reachable state is in
    possible: frozenset[tuple[str, int]] = frozenset()  # (scene, link) some state takes
    linked: frozenset[str] = frozenset()  # scenes a path of links reaches from the start

    def unlinked(self, scene: str) -> bool:
        return scene not in self.linked

    def never_reached(self, scene: str) -> bool:
        return self.solved and scene in self.linked and scene not in self.reached


def flow(story: Story, max_states: int = DEFAULT_MAX_STATES) -> Flow:
    linked = _linked(story)
    try:
        graph = build(story, max_states)
        check_finishable(graph)
    except SpaceTooLarge as error:
        return Flow(False, f"odds not shown: {error}", linked=linked)
    except OddsError as error:
        return Flow(False, f"odds not shown: {error}", linked=linked)
    weights = uniform_weights(graph)
    visits = Absorbing(graph, weights).occupation(graph.root)
    per_scene = np.bincount(graph.scene, weights=visits, minlength=len(graph.scene_ids))
    source = graph.source()
    taken = visits[source] * weights
    edge_scene = graph.scene[source].astype(np.int64)
    pairs = (edge_scene << 32) | graph.label.astype(np.int64)
    order = np.argsort(pairs, kind="stable")
    pairs, taken = pairs[order], taken[order]
    starts = np.flatnonzero(np.concatenate(([True], pairs[1:] != pairs[:-1]))) if pairs.size \
        else np.zeros(0, dtype=np.int64)
    sums = np.add.reduceat(taken, starts) if pairs.size else np.zeros(0)
    edges = {(graph.scene_ids[int(p) >> 32], int(p) & 0xFFFFFFFF): float(s)
             for p, s in zip(pairs[starts].tolist(), sums.tolist(), strict=True)}
    reached = frozenset(graph.scene_ids[n] for n in set(graph.scene.tolist()))
    return Flow(True, "", {s: float(per_scene[n]) for n, s in enumerate(graph.scene_ids)},
                edges, reached, frozenset(edges), linked)


def _linked(story: Story) -> frozenset[str]:
    seen = {story.start}
    stack = [story.start]
    while stack:
        for target in story.scenes[stack.pop()].targets():
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return frozenset(seen)
