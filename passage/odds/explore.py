"""Breadth of a million states: exploring whole arrays of packed states at once.

States at the same scene are processed together, scene by scene in the order of
the scene graph (so a scene is usually handled once, with every state that can
reach it). For each authored edge of the scene, states that agree on the slots
deciding that edge (:attr:`passage.odds.relevance.Relevance.edges`) either all
take it or all do not, and reach targets that differ only where they differ; so
one real ``transitions`` call on one member says, for every edge at once, whether
it is taken and which bits it sets, and the successors of a whole array of states
are two numpy operations per edge. A real call is needed only per distinct value
of an edge's few deciding slots, not per state.
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
from passage.odds.relevance import Relevance, exit_edges
from passage.odds.successors import Successors
from passage.story.model import Story

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


class _EdgeMemo:
    """What one authored edge of one scene does, by the values of its deciding slots."""

    __slots__ = ("deciding", "keep", "label", "overwrite", "results", "target")

    def __init__(self, label: int, target: int, deciding: int, overwrite: int) -> None:
        self.label = label
        self.target = target
        self.deciding = deciding  # bits
        self.overwrite = overwrite  # bits the edge may set: what it writes, and what dies
        self.keep = ~overwrite
        self.results: dict[int, int | None] = {}  # deciding bits -> bits set (None: not taken)


def explore_packed(story: Story, relevance: Relevance, codec: Codec, root: Key,
                   max_states: int) -> Explored:
    """Every state reachable from ``root`` (a projected key); raises SpaceTooLarge."""
    scene_ids = tuple(story.scenes)
    number_of = {scene_id: n for n, scene_id in enumerate(scene_ids)}
    rank = scene_order(story, scene_ids, number_of)
    successors = Successors(story, relevance)
    full = (1 << relevance.slots) - 1
    dead = [full & ~relevance.live[s] for s in scene_ids]
    memos = [_memos(story, relevance, codec, s, number_of, dead) for s in scene_ids]
    seen: list[Codes] = [np.empty(0, dtype=np.int64) for _ in scene_ids]
    pending: dict[int, list[Codes]] = {}
    queued: list[tuple[int, int]] = []
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
        edges = memos[scene]
        groups = [_group(batch & edge.deciding) for edge in edges]
        for edge, (values, _, first) in zip(edges, groups, strict=True):
            for value, member in zip(values.tolist(), first.tolist(), strict=True):
                if value not in edge.results:
                    _learn(codec, successors, scene_ids[scene], int(batch[member]), edges)
        for edge, (values, inverse, _) in zip(edges, groups, strict=True):
            results = [edge.results[value] for value in values.tolist()]
            taken = np.array([r is not None for r in results], dtype=bool)[inverse]
            fixed = np.array([r or 0 for r in results], dtype=np.int64)[inverse]
            if not taken.any():
                continue
            sources = batch[taken]
            targets = (sources & edge.keep) | fixed[taken]
            chunks.append(_Chunk(scene, sources, edge.label, edge.target, targets))
            push(edge.target, targets)
    return _assemble(seen, chunks)


def _memos(story: Story, relevance: Relevance, codec: Codec, scene_id: str,
           number_of: dict[str, int], dead: list[int]) -> list[_EdgeMemo]:
    """One memo per authored edge of a scene (none for an ending)."""
    memos = []
    deciding, writes = relevance.edges[scene_id], relevance.writes[scene_id]
    for label, (_, target) in enumerate(exit_edges(story.scenes[scene_id])):
        number = number_of[target]
        memos.append(_EdgeMemo(label, number, codec.mask(deciding[label]),
                               codec.mask(writes[label] | dead[number])))
    return memos


def _group(memo: Codes) -> tuple[Codes, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct values, the index of each element's value, and a first member of each."""
    order = np.argsort(memo, kind="stable")
    ordered = memo[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    inverse = np.empty(memo.size, dtype=np.int64)
    inverse[order] = np.cumsum(np.concatenate(([True], ordered[1:] != ordered[:-1]))) - 1
    return ordered[starts], inverse, order[starts]


def _learn(codec: Codec, successors: Successors, scene_id: str, code: int,
           edges: list[_EdgeMemo]) -> None:
    """One real ``transitions`` call on ``code``; record what every edge did there."""
    found = {label: target for label, target in
             successors.direct(codec.decode(scene_id, code))}
    for edge in edges:
        target = found.get(edge.label)
        edge.results[code & edge.deciding] = (
            None if target is None else codec.encode(target[1], target[2]) & edge.overwrite)


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
