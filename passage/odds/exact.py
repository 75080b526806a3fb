"""Exact rational odds for small state graphs: the same chain, in ``Fraction``s.

Floats answer every story; fractions answer small ones with no rounding at all,
which is what an author wants to quote ("exactly 7/25 of journeys") and what the
tests compare against hand-computed answers. The walk visits states in the
topological order of their loops and propagates the probability of being in each
state forward; a loop is solved by exact Gaussian elimination on its own states.
The cost grows with the number of edges and with the size of the largest loop, so
:func:`occupation` gives up (returns None) beyond the limits it is given.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from passage.odds.graph import CHOICES, ENDING, StateGraph
from passage.odds.order import layers

__all__ = ["MAX_EXACT_EDGES", "MAX_EXACT_LOOP", "occupation", "policy_fractions",
           "uniform_fractions"]

MAX_EXACT_EDGES = 20_000
MAX_EXACT_LOOP = 60


def uniform_fractions(graph: StateGraph) -> list[Fraction]:
    """Exact edge probabilities of the uniformly random player."""
    weights = graph.chance_fractions()
    kind = graph.kind()
    for state in np.flatnonzero(kind == CHOICES).tolist():
        start, stop = int(graph.indptr[state]), int(graph.indptr[state + 1])
        share = Fraction(1, stop - start) if stop > start else Fraction(0)
        weights[start:stop] = [share] * (stop - start)
    return weights


def policy_fractions(graph: StateGraph, chosen: npt.NDArray[np.int64]) -> list[Fraction]:
    """Exact edge probabilities of a player who takes edge ``chosen[s]`` at choice states."""
    weights = graph.chance_fractions()
    kind = graph.kind()
    for state in np.flatnonzero(kind == CHOICES).tolist():
        start, stop = int(graph.indptr[state]), int(graph.indptr[state + 1])
        weights[start:stop] = [Fraction(0)] * (stop - start)
        if chosen[state] >= 0:
            weights[int(chosen[state])] = Fraction(1)
    return weights


def occupation(graph: StateGraph, weights: list[Fraction], start: int,
               max_edges: int = MAX_EXACT_EDGES,
               max_loop: int = MAX_EXACT_LOOP) -> dict[int, Fraction] | None:
    """Exact expected visits of every transient state and absorption probability of
    every ending state, for a journey from ``start``; None when too costly."""
    live = [i for i, w in enumerate(weights) if w]
    if len(live) > max_edges:
        return None
    source = graph.source()[live]
    target = graph.target[live].astype(np.int64)
    component, layer = layers(graph.size, source, target)
    order = np.lexsort((component, layer))
    sizes = np.bincount(component)
    if sizes.size and int(sizes.max()) > max_loop:
        return None
    outgoing: dict[int, list[tuple[int, Fraction]]] = {}
    for edge, s, t in zip(live, source.tolist(), target.tolist(), strict=True):
        outgoing.setdefault(s, []).append((t, weights[edge]))
    ending = graph.kind() == ENDING
    inflow: dict[int, Fraction] = {start: Fraction(1)}
    result: dict[int, Fraction] = {}
    position = 0
    states = order.tolist()
    while position < len(states):
        block_end = position + int(sizes[component[states[position]]])
        block = states[position:block_end]
        position = block_end
        if not any(s in inflow for s in block):
            continue
        values = (_solve_loop(block, inflow, outgoing) if len(block) > 1
                  else _solve_single(block[0], inflow, outgoing))
        for state, amount in values.items():
            result[state] = amount
            if ending[state] or not amount:
                continue
            for nxt, weight in outgoing.get(state, ()):
                if nxt not in values:
                    inflow[nxt] = inflow.get(nxt, Fraction(0)) + amount * weight
    return result


def _solve_single(state: int, inflow: dict[int, Fraction],
                  outgoing: dict[int, list[tuple[int, Fraction]]]) -> dict[int, Fraction]:
    stay = sum((w for t, w in outgoing.get(state, ()) if t == state), Fraction(0))
    return {state: inflow.get(state, Fraction(0)) / (1 - stay)}


def _solve_loop(block: list[int], inflow: dict[int, Fraction],
                outgoing: dict[int, list[tuple[int, Fraction]]]) -> dict[int, Fraction]:
    """Solve ``y = inflow + Q^T y`` on the loop's states by Gauss-Jordan elimination."""
    where = {state: i for i, state in enumerate(block)}
    size = len(block)
    rows = [[Fraction(0)] * size + [inflow.get(state, Fraction(0))] for state in block]
    for i in range(size):
        rows[i][i] = Fraction(1)
    for state in block:
        for nxt, weight in outgoing.get(state, ()):
            j = where.get(nxt)
            if j is not None:
                rows[j][where[state]] -= weight
    for column in range(size):
        pivot = next(r for r in range(column, size) if rows[r][column])
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column][column]
        rows[column] = [x / lead for x in rows[column]]
        for r in range(size):
            factor = rows[r][column]
            if r != column and factor:
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[column], strict=True)]
    return {state: rows[i][size] for i, state in enumerate(block)}
