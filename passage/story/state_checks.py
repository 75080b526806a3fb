"""The checker's exact findings over every reachable state, on the odds solver's graph.

The odds package already explores the state space fast (packed integer states,
numpy edge arrays); the checker reads the same graph instead of walking the states
again: a state with no way out, a choice no reachable state enables, and states
from which no ending can be reached (loops whose exits are all closed).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from passage.engine.space import Key
from passage.odds.graph import CHOICES, ENDING, StateGraph, build
from passage.story.errors import Diagnostic
from passage.story.model import Choices, Scene, Story

__all__ = ["state_findings"]


def state_findings(story: Story, limit: int) -> tuple[int, list[Diagnostic]]:
    """How many states there are, and what is wrong in them; raises SpaceTooLarge."""
    graph = build(story, max_states=limit)
    degree = np.diff(graph.indptr)
    kinds = graph.kind()
    found = _stuck(graph, degree, kinds)
    found += _never_enabled(graph, kinds)
    found += _trapped(graph, degree, kinds)
    return graph.size, found


def _first_per_scene(graph: StateGraph, states: np.ndarray) -> Iterator[tuple[int, Scene]]:
    """One example state per scene: a finding is reported once, where the author fixes it."""
    reported: set[int] = set()
    for state in states.tolist():
        scene_number = int(graph.scene[state])
        if scene_number not in reported:
            reported.add(scene_number)
            yield state, graph.story.scenes[graph.scene_ids[scene_number]]


def _stuck(graph: StateGraph, degree: np.ndarray, kinds: np.ndarray) -> list[Diagnostic]:
    found = []
    for state, scene in _first_per_scene(graph, np.flatnonzero((degree == 0) & (kinds != ENDING))):
        found.append(
            Diagnostic(
                "error",
                "stuck",
                f"a journey can reach scene {scene.id!r} with no choice enabled "
                f"(for example with {_describe(graph.story, graph.key(state))})",
                scene.location,
            )
        )
    return found


def _never_enabled(graph: StateGraph, kinds: np.ndarray) -> list[Diagnostic]:
    source = graph.source()
    at_choices = kinds[source] == CHOICES
    taken = set(
        zip(graph.scene[source[at_choices]].tolist(), graph.label[at_choices].tolist(), strict=True)
    )
    reached = set(np.unique(graph.scene).tolist())
    found = []
    for number, scene_id in enumerate(graph.scene_ids):
        exit_ = graph.story.scenes[scene_id].exit
        if number not in reached or not isinstance(exit_, Choices):
            continue
        for index, choice in enumerate(exit_.choices):
            if (number, index) not in taken:
                found.append(
                    Diagnostic(
                        "warning",
                        "never-enabled",
                        f"choice {choice.text!r} can never be taken in any reachable state",
                        choice.location,
                    )
                )
    return found


def _trapped(graph: StateGraph, degree: np.ndarray, kinds: np.ndarray) -> list[Diagnostic]:
    """Reverse reachability from the endings, via one extra node that points at all of them."""
    size = graph.size
    endings = np.flatnonzero(kinds == ENDING)
    rows = np.concatenate([graph.target.astype(np.int64), np.full(len(endings), size)])
    cols = np.concatenate([graph.source(), endings])
    reverse = csr_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size + 1, size + 1)
    )
    good = np.zeros(size + 1, dtype=bool)
    good[breadth_first_order(reverse, size, directed=True, return_predecessors=False)] = True
    found = []
    for state, scene in _first_per_scene(graph, np.flatnonzero(~good[:size] & (degree > 0))):
        found.append(
            Diagnostic(
                "error",
                "trapped",
                f"from scene {scene.id!r} with {_describe(graph.story, graph.key(state))} "
                "no ending can be reached",
                scene.location,
            )
        )
    return found


def _describe(story: Story, key: Key) -> str:
    return ", ".join(
        f"{v.name}={value!r}" for v, value in zip(story.variables, key[1], strict=True)
    )
