"""Layers of the state graph: loops collapsed, then sorted so every edge goes forward.

Loops (wait another day, go back) make the graph cyclic; collapsing each strongly
connected part to one node leaves a DAG. Peeling that DAG from its sources gives
layers: every edge leads from a layer to a later one or stays inside one loop.
The solvers sweep the layers in order (forward for "where does a journey go",
backward for "what are the odds from here"), so each state is handled once and
only the loops need solving as linear systems. Everything is computed on whole
arrays; a story graph is nearly a DAG, so there are few layers per state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from passage.odds.arrays import distinct, gather

__all__ = ["Layering", "layering", "layers"]

Ints = npt.NDArray[np.int64]


def layers(size: int, source: Ints, target: Ints) -> tuple[Ints, Ints]:
    """(component, layer) of every state: strongly connected components, and the
    layer of each, such that every edge between components goes to a later layer."""
    if size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    matrix = sp.csr_matrix((np.ones(len(source), dtype=np.int8), (source, target)),
                           shape=(size, size))
    count, label = connected_components(matrix, directed=True, connection="strong")
    component = label.astype(np.int64)
    a, b = component[source], component[target]
    between = a != b
    a, b = a[between], b[between]
    by_source = np.argsort(a, kind="stable")
    a, b = a[by_source], b[by_source]
    starts = np.searchsorted(a, np.arange(count + 1))
    indegree = np.bincount(b, minlength=count)
    layer = np.full(count, -1, dtype=np.int64)
    frontier = np.flatnonzero(indegree == 0)
    depth = 0
    while frontier.size:
        layer[frontier] = depth
        depth += 1
        reached = b[gather(starts, frontier)]
        if not reached.size:
            break
        indegree -= np.bincount(reached, minlength=count)
        touched = distinct(reached)
        frontier = touched[indegree[touched] == 0]
    assert (layer >= 0).all(), "the condensation of a graph is acyclic"
    return component, layer[component]


@dataclass(frozen=True, slots=True)
class Layering:
    """The layers of a whole graph, with states and edges sorted by layer.

    Valid for any sub-graph too (a player that never takes some edges, or more
    absorbing states): removing edges never sends an edge backwards.
    """

    component: Ints
    layer: Ints
    looping: npt.NDArray[np.bool_]  # state lies on a loop of more than one state
    depth: int
    states: Ints  # states sorted by layer
    bounds: Ints  # states[bounds[d]:bounds[d + 1]] are layer d
    local: Ints  # position of each state within its layer
    edges: Ints  # edge numbers sorted by the layer of their source


def layering(size: int, source: Ints, target: Ints) -> Layering:
    component, layer = layers(size, source, target)
    depth = int(layer.max()) + 1 if size else 0
    looping = (np.bincount(component, minlength=size)[component] > 1 if size
               else np.zeros(0, dtype=bool))
    states = np.argsort(layer, kind="stable")
    bounds = np.searchsorted(layer[states], np.arange(depth + 1))
    local = np.empty(size, dtype=np.int64)
    local[states] = np.arange(size) - bounds[layer[states]]
    edges = np.argsort(layer[source], kind="stable")
    return Layering(component, layer, looping, depth, states, bounds, local, edges)
