"""The engine's liveness analysis, as bit masks over a state's slots.

``passage.engine.liveness`` decides which variables and visit counts can still
matter at each scene (``space.transitions`` already returns keys with the rest
forgotten). The odds explorer works on packed integers, so it wants the same
facts as bit masks: slot ``i`` is variable ``i``, slot ``len(variables) + j`` is
``tracked_scenes[j]``. It also needs one thing liveness does not say: which slots
*decide* what a scene's exit does, so states that agree on them can share one
``transitions`` call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from passage.engine.liveness import Liveness
from passage.engine.space import liveness_of as cached_liveness
from passage.story.expressions import Effect
from passage.story.model import Chance, Choices, Jump, Scene, Story

__all__ = ["Relevance", "exit_edges", "slot_masks"]

UNBOUNDED = 2**40  # a cap at least this large means "kept exactly" (liveness uses 2**62)


@dataclass(frozen=True, slots=True)
class Relevance:
    """Liveness as masks: ``live[scene]`` has a bit per slot that can still matter there,
    ``edges[scene][label]`` a bit per slot that decides that edge (see _edge_masks)."""

    liveness: Liveness
    live: dict[str, int]
    deciding: dict[str, int]  # per scene: the union of its edges' deciding slots
    edges: dict[str, dict[int, int]]  # per scene, per edge label: the slots deciding it
    writes: dict[str, dict[int, int]]  # per scene, per edge label: the slots it may write
    caps: tuple[int | None, ...]  # per visit count: its saturation cap, None if uncapped
    slots: int  # number of slots


def slot_masks(story: Story, liveness: Liveness | None = None) -> Relevance:
    # the same analysis space.transitions canonicalises with (computed once per story)
    liveness = liveness or cached_liveness(story)
    width = len(story.variables)
    slot_of = {v.name: i for i, v in enumerate(story.variables)}
    slot_of.update({f"visits:{s}": width + j for j, s in enumerate(story.tracked_scenes)})
    live = {}
    for scene_id in story.scenes:
        flags = (*liveness.live_values[scene_id], *liveness.live_visits[scene_id])
        live[scene_id] = sum(1 << i for i, keep in enumerate(flags) if keep)
    found = {s.id: _edge_masks(story, s, slot_of) for s in story.scenes.values()}
    edges = {scene_id: per_edge for scene_id, (per_edge, _) in found.items()}
    writes = {scene_id: written for scene_id, (_, written) in found.items()}
    deciding = {scene_id: _union(per_edge.values()) for scene_id, per_edge in edges.items()}
    caps = tuple(None if cap >= UNBOUNDED else cap for cap in liveness.caps)
    return Relevance(liveness, live, deciding, edges, writes, caps,
                     width + len(story.tracked_scenes))


def _union(masks: Iterable[int]) -> int:
    union = 0
    for mask in masks:
        union |= mask
    return union


def exit_edges(scene: Scene) -> list[tuple[tuple[Effect, ...], str]]:
    """(effects, target) of every authored way out of a scene, in authored order."""
    exit_ = scene.exit
    if isinstance(exit_, Choices):
        return [(c.effects, c.target) for c in exit_.choices]
    if isinstance(exit_, Jump):
        return [(b.effects, b.target) for b in exit_.branches]
    if isinstance(exit_, Chance):
        return [(o.effects, o.target) for o in exit_.outcomes]
    return []


def _edge_masks(story: Story, scene: Scene,
                slot_of: dict[str, int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per edge label: the slots that decide the edge, and the slots it writes.

    An edge is decided by what decides whether it is taken (its condition; at a
    jump, the conditions of every branch up to it, since the first that holds is
    taken) and by what its new values are computed from: the values its effects
    and the entered scene's effects read, the old value of every ``+=``/``-=``
    target, and the entered scene's visit count. A constant assignment writes
    without deciding. Two states equal on an edge's deciding slots both take it or
    both do not, and their successors differ only where the states differ, outside
    the written slots.
    """
    exit_ = scene.exit
    conditions: list[frozenset[str]] = []
    if isinstance(exit_, Choices):
        conditions = [c.reads for c in exit_.choices]
    elif isinstance(exit_, Jump):
        seen: frozenset[str] = frozenset()
        for branch in exit_.branches:
            seen |= branch.reads
            conditions.append(seen)
    deciding: dict[int, int] = {}
    writes: dict[int, int] = {}
    for label, (effects, target) in enumerate(exit_edges(scene)):
        names = set(conditions[label]) if conditions else set()
        written = {f"visits:{target}"}
        names.add(f"visits:{target}")
        for effect in (*effects, *story.scenes[target].on_enter):
            names |= effect.reads
            written.add(effect.variable)
            if effect.operator != "=" or effect.constant is None:
                names.add(effect.variable)
        deciding[label] = _mask(names, slot_of)
        writes[label] = _mask(written, slot_of)
    return deciding, writes


def _mask(names: set[str], slot_of: dict[str, int]) -> int:
    return sum(1 << slot_of[name] for name in names if name in slot_of)
