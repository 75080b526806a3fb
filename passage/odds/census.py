"""What the state graph says about the story itself: its size, and what nobody reaches.

When a story's state space grows, the author needs to know which variable to
narrow: a slot's *factor* is how many times more states there are than if the
slot were ignored. Content that no reachable state offers is unreachable for
every player, however they choose and whatever chance decides, unlike the
``play --auto --coverage`` list, which only says what random play happened to miss.
"""

from __future__ import annotations

import numpy as np

from passage.odds.arrays import distinct
from passage.odds.graph import CHOICES, JUMP, StateGraph
from passage.odds.report import SlotFactor, SpaceReport, Unreached
from passage.story.model import Choices, Jump

__all__ = ["space_report", "unreached"]


def space_report(graph: StateGraph) -> SpaceReport:
    story = graph.story
    names = [v.name for v in story.variables] + [f"visits('{s}')" for s in story.tracked_scenes]
    factors: list[SlotFactor] = []
    if graph.size:
        columns = graph.table.columns()
        for slot, name in enumerate(names):
            values = int(np.count_nonzero(np.bincount(columns[:, slot])))
            if values < 2:
                continue
            remaining = graph.table.distinct_without(slot)
            factors.append(SlotFactor(name, values, graph.size / max(remaining, 1)))
    factors.sort(key=lambda f: (-f.factor, f.name))
    scenes = int(distinct(graph.scene).size)
    return SpaceReport(graph.size, graph.edge_count, scenes, graph.packed, tuple(factors))


def unreached(graph: StateGraph) -> Unreached:
    """Scenes no state is in, choices never enabled, jump branches never taken."""
    story = graph.story
    present = set(distinct(graph.scene).tolist())
    scenes = tuple(s for n, s in enumerate(graph.scene_ids) if n not in present)
    source = graph.source()
    edge_scene = graph.scene[source]
    kinds = graph.scene_kind[edge_scene]
    taken: set[tuple[int, int]] = set()
    picked = (kinds == CHOICES) | (kinds == JUMP)
    if picked.any():
        pairs = distinct((edge_scene[picked].astype(np.int64) << 32)
                         | graph.label[picked].astype(np.int64))
        taken = {(int(p >> 32), int(p & 0xFFFFFFFF)) for p in pairs.tolist()}
    choices: list[tuple[str, int]] = []
    branches: list[tuple[str, int]] = []
    for number, scene_id in enumerate(graph.scene_ids):
        if number not in present:
            continue
        exit_ = story.scenes[scene_id].exit
        if isinstance(exit_, Choices):
            choices += [(scene_id, i) for i in range(len(exit_.choices))
                        if (number, i) not in taken]
        elif isinstance(exit_, Jump):
            branches += [(scene_id, i) for i in range(len(exit_.branches))
                         if (number, i) not in taken]
    return Unreached(scenes, tuple(choices), tuple(branches))
