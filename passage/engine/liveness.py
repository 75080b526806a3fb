"""Which parts of a state can still matter: the key to a small exact state space.

Two journeys at the same scene whose states differ only in variables that no
later condition or effect can read will end the same way with the same odds. The
odds solver and the checker therefore work on *canonical* states: variables that
are dead at a scene are reset to their initial value, and visit counters are
saturated just past the largest number any condition compares them with. The
engine itself never uses this; it is an analysis of the story.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from passage.story.expressions import Effect, Value
from passage.story.model import Chance, Scene, Story

__all__ = ["Liveness", "analyse"]

_COMPARISON = re.compile(
    r"visits\('(?P<a>[^']*)'\)\s*(?:<|<=|>|>=|==|!=)\s*(?P<n>\d+)"
    r"|(?P<m>\d+)\s*(?:<|<=|>|>=|==|!=)\s*visits\('(?P<b>[^']*)'\)"
)
_ANY_USE = re.compile(r"(?P<fn>visits|seen)\('(?P<scene>[^']*)'\)")
_UNBOUNDED = 2**62


@dataclass(frozen=True, slots=True)
class Liveness:
    """Per scene: which variables and visit slots are live; per slot: its saturation cap."""

    live_values: dict[str, tuple[bool, ...]]
    live_visits: dict[str, tuple[bool, ...]]
    caps: tuple[int, ...]
    initial: tuple[Value, ...]

    def canonical(
        self, scene: str, values: tuple[Value, ...], visits: tuple[int, ...]
    ) -> tuple[tuple[Value, ...], tuple[int, ...]]:
        live = self.live_values[scene]
        new_values = tuple(
            v if keep else i for v, keep, i in zip(values, live, self.initial, strict=True)
        )
        live_slots = self.live_visits[scene]
        new_visits = tuple(
            min(count, cap) if keep else 0
            for count, keep, cap in zip(visits, live_slots, self.caps, strict=True)
        )
        return new_values, new_visits


def analyse(story: Story) -> Liveness:
    reads = {scene.id: _reads_at(story, scene) for scene in story.scenes.values()}
    live = {scene_id: set(found) for scene_id, found in reads.items()}
    changed = True
    while changed:  # backwards dataflow to a fixed point; loops converge in a few passes
        changed = False
        for scene in story.scenes.values():
            mine = live[scene.id]
            size = len(mine)
            for target in scene.targets():
                mine |= live[target]
            changed |= len(mine) != size
    names = [v.name for v in story.variables]
    slots = [f"visits:{scene}" for scene in story.tracked_scenes]
    return Liveness(
        live_values={s: tuple(n in found for n in names) for s, found in live.items()},
        live_visits={s: tuple(n in found for n in slots) for s, found in live.items()},
        caps=tuple(_cap(story, scene) for scene in story.tracked_scenes),
        initial=tuple(v.initial for v in story.variables),
    )


def _reads_at(story: Story, scene: Scene) -> set[str]:
    """What leaving ``scene`` reads: its conditions, its effects, its targets' entry effects."""
    found: set[str] = set()
    effects: list[Effect] = []
    for link in scene.links():
        found |= link.reads
        effects += link.effects
    if isinstance(scene.exit, Chance):
        for outcome in scene.exit.outcomes:
            effects += outcome.effects
    for target in scene.targets():
        effects += story.scenes[target].on_enter
    for effect in effects:
        found |= effect.reads
    return found


def _cap(story: Story, tracked: str) -> int:
    """The largest visit count still worth telling apart for ``tracked``."""
    cap = 0
    for scene in story.scenes.values():
        sources = [link.condition_source for link in scene.links()]
        for source in sources:
            compared = {
                m.group("a") or m.group("b"): int(m.group("n") or m.group("m"))
                for m in _COMPARISON.finditer(source)
            }
            for use in _ANY_USE.finditer(source):
                if use.group("scene") != tracked:
                    continue
                if use.group("fn") == "seen":
                    cap = max(cap, 1)
                elif tracked in compared and _only_compared(source, tracked):
                    cap = max(cap, compared[tracked] + 1)
                else:
                    return _UNBOUNDED
    if _read_by_effects(story, tracked):
        return _UNBOUNDED
    return cap


def _only_compared(source: str, tracked: str) -> bool:
    """Every visits('tracked') in ``source`` stands in a plain comparison with a number."""
    uses = sum(
        1
        for m in _ANY_USE.finditer(source)
        if m.group("fn") == "visits" and m.group("scene") == tracked
    )
    plain = sum(1 for m in _COMPARISON.finditer(source) if tracked in (m.group("a"), m.group("b")))
    return uses == plain


def _read_by_effects(story: Story, tracked: str) -> bool:
    marker = f"visits:{tracked}"
    for scene in story.scenes.values():
        effects = list(scene.on_enter)
        for link in scene.links():
            effects += link.effects
        if isinstance(scene.exit, Chance):
            for outcome in scene.exit.outcomes:
                effects += outcome.effects
        if any(marker in effect.reads for effect in effects):
            return True
    return False
