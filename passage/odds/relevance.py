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

from dataclasses import dataclass

from passage.engine.liveness import Liveness
from passage.engine.space import _liveness as cached_liveness
from passage.story.expressions import Effect
from passage.story.model import Chance, Choices, Jump, Scene, Story

__all__ = ["Relevance", "exit_edges", "slot_masks"]

UNBOUNDED = 2**40  # a cap at least this large means "kept exactly" (liveness uses 2**62)


@dataclass(frozen=True, slots=True)
class Relevance:
    """Liveness as masks: ``live[scene]`` has a bit per slot that can still matter there,
    ``deciding[scene]`` a bit per slot that decides where its exit leads (see _deciding)."""

    liveness: Liveness
    live: dict[str, int]
    deciding: dict[str, int]
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
    found = {s.id: _deciding(story, s, slot_of) for s in story.scenes.values()}
    deciding = {scene_id: memo for scene_id, (memo, _) in found.items()}
    writes = {scene_id: written for scene_id, (_, written) in found.items()}
    caps = tuple(None if cap >= UNBOUNDED else cap for cap in liveness.caps)
    return Relevance(liveness, live, deciding, writes, caps, width + len(story.tracked_scenes))


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


def _deciding(story: Story, scene: Scene, slot_of: dict[str, int]) -> tuple[int, dict[int, int]]:
    """The slots that decide a scene's edges, and the slots each edge (by label) writes.

    Deciding: what its conditions read, what every edge's effects (and the entered
    scene's effects) read, the old value of every ``+=``/``-=`` target and of the
    entered scene's visit count. A constant assignment writes without deciding.
    Two states equal on the deciding slots leave the scene the same way, and their
    successors differ from them only in the written slots.
    """
    names: set[str] = set()
    exit_ = scene.exit
    if isinstance(exit_, Choices | Jump):
        for link in exit_.choices if isinstance(exit_, Choices) else exit_.branches:
            names |= link.reads
    writes: dict[int, int] = {}
    for label, (effects, target) in enumerate(exit_edges(scene)):
        written = {f"visits:{target}"}
        names.add(f"visits:{target}")
        for effect in (*effects, *story.scenes[target].on_enter):
            names |= effect.reads
            written.add(effect.variable)
            if effect.operator != "=" or effect.constant is None:
                names.add(effect.variable)
        mask = sum(1 << slot_of[name] for name in written if name in slot_of)
        writes[label] = mask
    return sum(1 << slot_of[name] for name in names if name in slot_of), writes
