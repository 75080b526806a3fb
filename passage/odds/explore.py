"""Breadth of a million states: exploring whole arrays of packed states at once.

States at the same scene are processed together, scene by scene in the order of
the scene graph (so a scene is usually handled once, with every state that can
reach it). Within a scene, states that agree on the slots deciding its edges
(:attr:`passage.odds.relevance.Relevance.deciding`) form a group; one real
``transitions`` call on one member gives, for every edge, which bits to overwrite
and with what, and the whole group's successors are two numpy operations away.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from passage.engine.space import Key, SpaceTooLarge
from passage.odds.arrays import distinct
from passage.odds.codec import Codec
from passage.odds.relevance import Relevance
from passage.odds.successors import Successors
from passage.story.model import Ending, Story

__all__ = ["Explored", "explore_packed", "scene_order"]

Codes = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Explored:
    """Reachable states by scene (sorted codes) and every edge between them."""

    seen: list[Codes]  # per scene number: the sorted codes of its reachable states
    src_scene: npt.NDArray[np.int32]
    src_code: Codes
    label: npt.NDArray[np.int32]
    dst_scene: npt.NDArray[np.int32]
    dst_code: Codes


@dataclass(slots=True)
class _Chunk:
    scene: int
    codes: Codes
    label: int
    target: int
    targets: Codes


def explore_packed(story: Story, relevance: Relevance, codec: Codec, root: Key,
                   max_states: int) -> Explored:
    """Every state reachable from ``root`` (a projected key); raises SpaceTooLarge."""
    scene_ids = tuple(story.scenes)
    number_of = {scene_id: n for n, scene_id in enumerate(scene_ids)}
    rank = scene_order(story, scene_ids, number_of)
    successors = Successors(story, relevance)
    full = (1 << relevance.slots) - 1
    deciding = [codec.mask(relevance.deciding[s]) for s in scene_ids]
    dead = [full & ~relevance.live[s] for s in scene_ids]
    ending = [isinstance(story.scenes[s].exit, Ending) for s in scene_ids]
    seen: list[Codes] = [np.empty(0, dtype=np.int64) for _ in scene_ids]
    pending: dict[int, list[Codes]] = {}
    queued: list[tuple[int, int]] = []
    patches: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    chunks: list[_Chunk] = []
    total = 0

    def push(scene: int, codes: Codes) -> None:
        if scene not in pending:
            pending[scene] = []
            heapq.heappush(queued, (rank[scene], scene))
        pending[scene].append(codes)

    start = number_of[root[0]]
    push(start, np.array([codec.encode(root[1], root[2])], dtype=np.int64))
    while queued:
        _, scene = heapq.heappop(queued)
        batch = distinct(np.concatenate(pending.pop(scene)))
        known = seen[scene]
        if known.size:
            at = np.minimum(np.searchsorted(known, batch), known.size - 1)
            batch = batch[known[at] != batch]
            if not batch.size:
                continue
            seen[scene] = np.sort(np.concatenate([known, batch]), kind="stable")
        else:
            seen[scene] = batch
        total += batch.size
        if total > max_states:
            raise SpaceTooLarge(max_states, total)
        if ending[scene]:
            continue
        memo = batch & deciding[scene]
        order = np.argsort(memo, kind="stable")
        memo, batch = memo[order], batch[order]
        bounds = np.flatnonzero(np.diff(memo)) + 1
        for begin, end in zip([0, *bounds.tolist()], [*bounds.tolist(), batch.size],
                              strict=True):
            group = batch[begin:end]
            memo_key = (scene, int(memo[begin]))
            found = patches.get(memo_key)
            if found is None:
                found = patches[memo_key] = _patches(
                    codec, successors, scene_ids[scene], int(group[0]), number_of,
                    relevance.writes[scene_ids[scene]], dead)
            for label, target, keep, fixed in found:
                targets = (group & keep) | fixed
                chunks.append(_Chunk(scene, group, label, target, targets))
                push(target, targets)
    return _assemble(seen, chunks)


def _patches(codec: Codec, successors: Successors, scene_id: str, code: int,
             number_of: dict[str, int], writes: dict[int, int],
             dead: list[int]) -> list[tuple[int, int, int, int]]:
    """For each edge of one group: (label, target scene, bits kept, bits set)."""
    result = []
    for label, (target, values, visits) in successors.direct(codec.decode(scene_id, code)):
        number = number_of[target]
        overwrite = codec.mask(writes[label] | dead[number])
        fixed = codec.encode(values, visits) & overwrite
        result.append((label, number, ~overwrite, fixed))
    return result


def _assemble(seen: list[Codes], chunks: list[_Chunk]) -> Explored:
    if not chunks:
        empty = np.empty(0, dtype=np.int64)
        none = np.empty(0, dtype=np.int32)
        return Explored(seen, none, empty, none, none.copy(), empty.copy())
    sizes = [c.codes.size for c in chunks]
    return Explored(
        seen=seen,
        src_scene=np.repeat(np.array([c.scene for c in chunks], dtype=np.int32), sizes),
        src_code=np.concatenate([c.codes for c in chunks]),
        label=np.repeat(np.array([c.label for c in chunks], dtype=np.int32), sizes),
        dst_scene=np.repeat(np.array([c.target for c in chunks], dtype=np.int32), sizes),
        dst_code=np.concatenate([c.targets for c in chunks]),
    )


def scene_order(story: Story, scene_ids: tuple[str, ...], number_of: dict[str, int]) -> list[int]:
    """A rank per scene: topological over the scene graph's strongly connected parts."""
    sources, targets = [], []
    for n, scene_id in enumerate(scene_ids):
        for target in story.scenes[scene_id].targets():
            sources.append(n)
            targets.append(number_of[target])
    size = len(scene_ids)
    matrix = sp.csr_matrix((np.ones(len(sources)), (sources, targets)), shape=(size, size))
    count, component = connected_components(matrix, directed=True, connection="strong")
    successors: list[set[int]] = [set() for _ in range(count)]
    indegree = [0] * count
    for a, b in zip(sources, targets, strict=True):
        ca, cb = int(component[a]), int(component[b])
        if ca != cb and cb not in successors[ca]:
            successors[ca].add(cb)
            indegree[cb] += 1
    ready = [c for c in range(count) if indegree[c] == 0]
    position = [0] * count
    placed = 0
    while ready:
        current = ready.pop()
        position[current] = placed
        placed += 1
        for nxt in successors[current]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return [position[int(component[n])] for n in range(size)]
