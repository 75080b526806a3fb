"""The reachable state graph in compact form: numbered states and numpy edge arrays.

``passage.engine.space`` defines what a state's ways out are (``transitions``);
this module numbers every reachable state (merged by :mod:`passage.odds.relevance`)
and stores the edges in flat arrays (CSR layout) that the solvers hand straight
to scipy. States are packed into integers and explored in whole arrays when the
story's slots fit in 63 bits (:mod:`passage.odds.explore`); otherwise, or if a
visit count outgrows its field, a plain breadth-first walk over key tuples does
the same job more slowly.
"""

from __future__ import annotations

from array import array
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

import numpy as np
import numpy.typing as npt

from passage.engine.space import Key, SpaceTooLarge, canonical_key
from passage.engine.state import State, new_state
from passage.odds.arrays import distinct
from passage.odds.codec import Codec, CodecOverflowError, make_codec
from passage.odds.explore import explore_packed, scene_order
from passage.odds.order import Layering, layering
from passage.odds.relevance import Relevance, slot_masks
from passage.odds.successors import Successors
from passage.story.model import Chance, Choices, Ending, Jump, Story

__all__ = [
    "CHANCE", "CHOICES", "DEFAULT_MAX_STATES", "ENDING", "JUMP", "StateGraph", "StateTable",
    "build",
]

DEFAULT_MAX_STATES = 2_000_000
CHOICES, CHANCE, JUMP, ENDING = 0, 1, 2, 3

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


class StateTable(Protocol):
    """How a graph remembers its states: packed codes or key tuples."""

    def key(self, state: int) -> Key: ...

    def find(self, key: Key) -> int | None: ...

    def columns(self) -> npt.NDArray[np.int64]: ...

    def distinct_without(self, slot: int) -> int: ...


@dataclass(frozen=True, slots=True, eq=False)
class StateGraph:
    """Every reachable state (merged by relevance) and every way out of it.

    The ways out of state ``s`` are edges ``indptr[s]:indptr[s + 1]``, in authored
    order, each with its ``target`` state and ``label``: the authored choice index
    at a choice scene, the outcome index at a chance scene, the branch taken at a
    jump (``step`` always takes 0 there).
    """

    story: Story
    relevance: Relevance
    scene_ids: tuple[str, ...]
    scene_kind: IntArray  # per scene number: CHOICES, CHANCE, JUMP or ENDING
    scene_rank: IntArray  # per scene number: topological rank in the scene graph
    root: int
    scene: IntArray  # scene number of each state
    indptr: npt.NDArray[np.int64]
    target: IntArray
    label: IntArray
    table: StateTable
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.scene)

    @property
    def edge_count(self) -> int:
        return len(self.target)

    @property
    def packed(self) -> bool:
        """Whether the states were explored as packed integer arrays."""
        return isinstance(self.table, _PackedTable)

    def kind(self) -> IntArray:
        """The exit kind of every state."""
        return self.scene_kind[self.scene]

    def source(self) -> npt.NDArray[np.int64]:
        """The state each edge leaves from (expands ``indptr``)."""
        return np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self.indptr))

    def key(self, state: int) -> Key:
        return self.table.key(state)

    def state_of(self, state: State) -> int | None:
        """The number of the state a journey is in, or None if it is not in this graph."""
        return self.table.find(canonical_key(self.story, state))

    def layering(self) -> Layering:
        """The graph's layers (computed once; see :mod:`passage.odds.order`)."""
        found = self._cache.get("layering")
        if found is None:
            found = self._cache["layering"] = layering(
                self.size, self.source(), self.target.astype(np.int64))
        assert isinstance(found, Layering)
        return found

    def chance_weights(self) -> FloatArray:
        """Float probability of each edge as a chance outcome (1.0 for other edges)."""
        found = self._cache.get("chance_weights")
        if found is None:
            found = self._cache["chance_weights"] = self._chance_weights()
        assert isinstance(found, np.ndarray)
        return found.copy()

    def _chance_weights(self) -> FloatArray:
        weights = np.ones(self.edge_count)
        edge_scene = self.scene[self.source()]
        for number, scene_id in enumerate(self.scene_ids):
            exit_ = self.story.scenes[scene_id].exit
            if isinstance(exit_, Chance):
                mask = edge_scene == number
                table = np.array([float(o.probability) for o in exit_.outcomes])
                weights[mask] = table[self.label[mask]]
        return weights

    def chance_fractions(self) -> list[Fraction]:
        """Exact probability of each edge as a chance outcome (1 for other edges)."""
        result = [Fraction(1)] * self.edge_count
        for state in np.flatnonzero(self.kind() == CHANCE).tolist():
            exit_ = self.story.scenes[self.scene_ids[self.scene[state]]].exit
            assert isinstance(exit_, Chance)
            for edge in range(int(self.indptr[state]), int(self.indptr[state + 1])):
                result[edge] = exit_.outcomes[int(self.label[edge])].probability
        return result


@dataclass(frozen=True, slots=True)
class _PackedTable:
    codec: Codec
    scene_ids: tuple[str, ...]
    number_of: dict[str, int]
    offsets: npt.NDArray[np.int64]  # first state number of each scene
    seen: list[npt.NDArray[np.int64]]  # sorted codes per scene number
    scene: IntArray  # scene number of each state
    codes: npt.NDArray[np.int64]  # code of each state

    def key(self, state: int) -> Key:
        number = int(self.scene[state])
        code = int(self.seen[number][state - int(self.offsets[number])])
        return self.codec.decode(self.scene_ids[number], code)

    def find(self, key: Key) -> int | None:
        number = self.number_of.get(key[0])
        if number is None:
            return None
        try:
            code = self.codec.encode(key[1], key[2])
        except (CodecOverflowError, KeyError):
            return None
        codes = self.seen[number]
        at = int(np.searchsorted(codes, code))
        if at < codes.size and int(codes[at]) == code:
            return int(self.offsets[number]) + at
        return None

    def columns(self) -> npt.NDArray[np.int64]:
        return self.codec.columns(self.codes)

    def distinct_without(self, slot: int) -> int:
        """How many states would remain if ``slot`` were ignored."""
        blurred = self.codes & ~np.int64(self.codec.mask(1 << slot))
        used = sum(self.codec.widths)
        if used + max(1, len(self.scene_ids).bit_length()) <= 63:
            return int(distinct((self.scene.astype(np.int64) << used) | blurred).size)
        return int(np.unique(np.stack([self.scene.astype(np.int64), blurred], axis=1),
                             axis=0).shape[0])


@dataclass(frozen=True, slots=True)
class _KeyTable:
    story: Story
    keys: list[Key]
    index: dict[Key, int]

    def key(self, state: int) -> Key:
        return self.keys[state]

    def find(self, key: Key) -> int | None:
        return self.index.get(key)

    def columns(self) -> npt.NDArray[np.int64]:
        lookups = [{v: i for i, v in enumerate(var.domain())} for var in self.story.variables]
        rows = [[lookup[v] for lookup, v in zip(lookups, values, strict=True)] + list(visits)
                for _, values, visits in self.keys]
        width = len(self.story.variables) + len(self.story.tracked_scenes)
        return np.array(rows, dtype=np.int64).reshape(len(rows), width)

    def distinct_without(self, slot: int) -> int:
        columns = self.columns()
        columns[:, slot] = 0
        number = {scene_id: i for i, scene_id in enumerate(self.story.scenes)}
        scenes = np.array([number[key[0]] for key in self.keys], dtype=np.int64)
        return int(np.unique(np.column_stack([scenes, columns]), axis=0).shape[0])


def scene_kinds(story: Story) -> tuple[tuple[str, ...], IntArray]:
    ids = tuple(story.scenes)
    kinds = np.empty(len(ids), dtype=np.int32)
    for number, scene_id in enumerate(ids):
        exit_ = story.scenes[scene_id].exit
        if isinstance(exit_, Choices):
            kinds[number] = CHOICES
        elif isinstance(exit_, Chance):
            kinds[number] = CHANCE
        elif isinstance(exit_, Jump):
            kinds[number] = JUMP
        else:
            assert isinstance(exit_, Ending)
            kinds[number] = ENDING
    return ids, kinds


def build(story: Story, max_states: int = DEFAULT_MAX_STATES, root: State | None = None,
          relevance: Relevance | None = None, packed: bool = True) -> StateGraph:
    """Explore every state reachable from ``root`` (default: a new journey).

    Raises :class:`SpaceTooLarge` as soon as more than ``max_states`` distinct
    states are found, so an oversized story fails fast instead of exhausting memory.
    """
    relevance = relevance or slot_masks(story)
    start = canonical_key(story, root if root is not None else new_state(story, 0))
    codec = make_codec(story, relevance) if packed else None
    if codec is not None:
        try:
            return _build_packed(story, relevance, codec, start, max_states)
        except CodecOverflowError:
            pass  # a visit count outgrew its bit field: walk key tuples instead
    return _build_keyed(story, relevance, start, max_states)


def _build_packed(story: Story, relevance: Relevance, codec: Codec, start: Key,
                  max_states: int) -> StateGraph:
    scene_ids, kinds = scene_kinds(story)
    number_of = {scene_id: n for n, scene_id in enumerate(scene_ids)}
    rank = np.array(scene_order(story, scene_ids, number_of), dtype=np.int32)
    found = explore_packed(story, relevance, codec, start, max_states)
    layout = np.lexsort((np.arange(len(scene_ids)), rank))  # scenes in topological order
    sizes = np.array([found.seen[n].size for n in range(len(scene_ids))], dtype=np.int64)
    offsets = np.zeros(len(scene_ids), dtype=np.int64)
    offsets[layout] = np.concatenate(([0], np.cumsum(sizes[layout])[:-1]))
    scene = np.repeat(layout.astype(np.int32), sizes[layout])
    codes = (np.concatenate([found.seen[n] for n in layout.tolist()]) if len(scene_ids)
             else np.zeros(0, dtype=np.int64))
    table = _PackedTable(codec, scene_ids, number_of, offsets, found.seen, scene, codes)
    source = _numbers(found.seen, offsets, found.src_scene, found.src_code)
    target = _numbers(found.seen, offsets, found.dst_scene, found.dst_code)
    order = np.lexsort((found.label, source))
    counts = np.bincount(source, minlength=len(scene)) if len(scene) else np.zeros(0, np.int64)
    indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    root = table.find(start)
    assert root is not None
    return StateGraph(story, relevance, scene_ids, kinds, rank, root, scene, indptr,
                      target[order].astype(np.int32), found.label[order].astype(np.int32), table)


def _numbers(seen: list[npt.NDArray[np.int64]], offsets: npt.NDArray[np.int64],
             scenes: npt.NDArray[np.int32], codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """State numbers of (scene, code) pairs."""
    result = np.empty(codes.size, dtype=np.int64)
    order = np.argsort(scenes, kind="stable")
    bounds = np.searchsorted(scenes[order], np.arange(len(seen) + 1))
    for number in range(len(seen)):
        part = order[bounds[number]:bounds[number + 1]]
        if part.size:
            result[part] = offsets[number] + np.searchsorted(seen[number], codes[part])
    return result


def _build_keyed(story: Story, relevance: Relevance, start: Key, max_states: int) -> StateGraph:
    scene_ids, kinds = scene_kinds(story)
    number_of = {scene_id: n for n, scene_id in enumerate(scene_ids)}
    rank = np.array(scene_order(story, scene_ids, number_of), dtype=np.int32)
    keys: list[Key] = [start]
    index: dict[Key, int] = {start: 0}
    scene = array("i", [number_of[start[0]]])
    indptr = array("q", [0])
    target = array("i")
    label = array("i")
    successors = Successors(story, relevance)
    queue = deque([start])
    while queue:
        for edge_label, nxt in successors(queue.popleft()):
            number = index.get(nxt)
            if number is None:
                number = len(keys)
                if number >= max_states:
                    raise SpaceTooLarge(max_states, number + 1)
                index[nxt] = number
                keys.append(nxt)
                scene.append(number_of[nxt[0]])
                queue.append(nxt)
            target.append(number)
            label.append(edge_label)
        indptr.append(len(target))
    return StateGraph(
        story, relevance, scene_ids, kinds, rank, 0,
        np.frombuffer(scene, dtype=np.int32).copy(),
        np.frombuffer(indptr, dtype=np.int64).copy(),
        np.frombuffer(target, dtype=np.int32).copy(),
        np.frombuffer(label, dtype=np.int32).copy(),
        _KeyTable(story, keys, index),
    )
