"""Players as absorbing Markov chains, solved exactly (in floats), loops included.

A player is a probability on every edge of the state graph: a uniformly random
player splits evenly between the enabled choices, a policy puts all its weight on
one; chance edges carry the authored probability. Ending states absorb. With
``Q`` the transient-to-transient part, the chain's equations ``(I - Q) x = b``
are solved layer by layer (:mod:`passage.odds.order`): block back-substitution,
where a state outside any loop costs one division and the loops of a layer are
one sparse LU factorisation (scipy's SuperLU) of just their states. That answers
both "where does a journey from the start end, and how long does it take" (a
forward sweep) and "from every state, what are the odds of each class" (a
backward sweep). No journey is unrolled or sampled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from passage.odds.arrays import distinct, gather
from passage.odds.graph import CHOICES, ENDING, StateGraph

__all__ = [
    "Absorbing",
    "can_reach",
    "distances",
    "policy_weights",
    "unfinishable",
    "uniform_weights",
]

FloatArray = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def uniform_weights(graph: StateGraph) -> FloatArray:
    """Edge probabilities of a player who picks uniformly among the enabled choices."""
    weights = graph.chance_weights()
    source = graph.source()
    degree = np.diff(graph.indptr)
    choice = graph.kind()[source] == CHOICES
    weights[choice] = 1.0 / degree[source[choice]]
    return weights


def policy_weights(graph: StateGraph, chosen: Ints) -> FloatArray:
    """Edge probabilities of a player who takes edge ``chosen[s]`` at each choice state."""
    weights = graph.chance_weights()
    source = graph.source()
    choice = graph.kind()[source] == CHOICES
    weights[choice] = 0.0
    picks = chosen[chosen >= 0]
    weights[picks] = 1.0
    return weights


def unfinishable(graph: StateGraph) -> tuple[Ints, Ints]:
    """(stuck, trapped): states with no way out that are not endings, and states from
    which no ending can be reached. The odds are undefined while either is non-empty."""
    kind = graph.kind()
    degree = np.diff(graph.indptr)
    stuck = np.flatnonzero((degree == 0) & (kind != ENDING)).astype(np.int64)
    reached = can_reach(graph, kind == ENDING)
    trapped = np.flatnonzero(~reached).astype(np.int64)
    return stuck, trapped


def can_reach(graph: StateGraph, goal: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """States from which some path reaches a ``goal`` state."""
    return distances(graph, goal) >= 0


def distances(graph: StateGraph, goal: npt.NDArray[np.bool_]) -> Ints:
    """Fewest steps from each state to a ``goal`` state (-1: none), by backward search."""
    source = graph.source()
    target = graph.target.astype(np.int64)
    order = np.argsort(target, kind="stable")
    by_target, from_source = target[order], source[order]
    starts = np.searchsorted(by_target, np.arange(graph.size + 1))
    distance = np.where(goal, 0, -1).astype(np.int64)
    frontier = np.flatnonzero(goal)
    level = 0
    while frontier.size:
        level += 1
        positions = gather(starts, frontier)
        if not positions.size:
            break
        found = distinct(from_source[positions])
        frontier = found[distance[found] < 0]
        distance[frontier] = level
    return distance


class Absorbing:
    """The absorbing chain of one player on one graph, prepared once for many solves.

    States are swept layer by layer (:func:`passage.odds.order.layers`): a state
    outside any loop is one division, and each layer's loops are one sparse LU
    factorisation of their own states, done here once.
    """

    def __init__(self, graph: StateGraph, weights: FloatArray,
                 absorbing: npt.NDArray[np.bool_] | None = None) -> None:
        size = graph.size
        self.size = size
        self.absorbing = graph.kind() == ENDING if absorbing is None else absorbing
        shape = graph.layering()
        source_all = graph.source()
        edges = shape.edges
        edges = edges[(weights[edges] > 0) & ~self.absorbing[source_all[edges]]]
        source, target = source_all[edges], graph.target[edges].astype(np.int64)
        weight = weights[edges]
        component = shape.component
        inner = component[source] == component[target]
        looping = shape.looping
        loops = inner & ~looping[source]  # self-loops of states on no longer loop
        self.divisor = 1.0 - np.bincount(source[loops], weights=weight[loops], minlength=size)
        self.depth = shape.depth
        self.states, self.bounds, self.local = shape.states, shape.bounds, shape.local
        outer = ~inner
        self.source, self.target, self.weight = source[outer], target[outer], weight[outer]
        self.edge_bounds = np.searchsorted(shape.layer[self.source], np.arange(self.depth + 1))
        self.looping = looping
        cyclic = inner & looping[source]
        self.loops = self._factorise(shape.layer, looping, source[cyclic], target[cyclic],
                                     weight[cyclic])

    def _factorise(self, layer: Ints, looping: npt.NDArray[np.bool_], source: Ints,
                   target: Ints, weight: FloatArray) -> dict[int, tuple[Ints, sla.SuperLU]]:
        """Per layer with loops: the looping states and the LU of ``I - Q`` on them."""
        found: dict[int, tuple[Ints, sla.SuperLU]] = {}
        for depth in distinct(layer[looping]).tolist():
            states = np.flatnonzero(looping & (layer == depth))
            where = np.full(self.size, -1, dtype=np.int64)
            where[states] = np.arange(states.size)
            mine = where[source] >= 0
            q = sp.csc_matrix((weight[mine], (where[source[mine]], where[target[mine]])),
                              shape=(states.size, states.size))
            matrix = (sp.identity(states.size, format="csc") - q).tocsc()
            found[depth] = (states, sla.splu(matrix))
        return found

    def occupation(self, start: int) -> FloatArray:
        """Expected visits to each transient state of a journey from ``start``, and the
        probability of ending in each absorbing state."""
        inflow = np.zeros(self.size)
        inflow[start] = 1.0
        result = np.zeros(self.size)
        for depth in range(self.depth):
            rows = self.states[self.bounds[depth]:self.bounds[depth + 1]]
            amounts = inflow[rows]
            if not amounts.any():
                continue
            result[rows] = np.where(self.looping[rows], 0.0, amounts / self.divisor[rows])
            loop = self.loops.get(depth)
            if loop is not None:
                states, lu = loop
                result[states] = _solve_transposed(lu, inflow[states])
            first, last = self.edge_bounds[depth], self.edge_bounds[depth + 1]
            if last > first:
                np.add.at(inflow, self.target[first:last],
                          result[self.source[first:last]] * self.weight[first:last])
        return result

    def absorption(self, values: FloatArray) -> FloatArray:
        """For every state, the expected ``values`` row of the absorbing state a journey
        from there ends in (``values`` has one row per state; only absorbing rows count)."""
        columns = values.shape[1]
        result = np.zeros((self.size, columns))
        result[self.absorbing] = values[self.absorbing]
        for depth in range(self.depth - 1, -1, -1):
            rows = self.states[self.bounds[depth]:self.bounds[depth + 1]]
            first, last = self.edge_bounds[depth], self.edge_bounds[depth + 1]
            local = self.local[self.source[first:last]]
            rhs = np.empty((rows.size, columns))
            weight, target = self.weight[first:last], self.target[first:last]
            for column in range(columns):
                rhs[:, column] = np.bincount(local, weights=weight * result[target, column],
                                             minlength=rows.size)
            free = ~self.absorbing[rows] & ~self.looping[rows]
            result[rows[free]] = rhs[free] / self.divisor[rows[free]][:, None]
            loop = self.loops.get(depth)
            if loop is not None:
                states, lu = loop
                solved = lu.solve(rhs[self.local[states]])
                result[states] = solved.reshape(states.size, columns)
        return result


def _solve_transposed(lu: sla.SuperLU, rhs: FloatArray) -> FloatArray:
    """``x`` with ``A^T x = rhs`` (SuperLU supports it; scipy-stubs omit ``trans``)."""
    solve: Any = lu.solve
    result: FloatArray = solve(rhs, trans="T")
    return result
