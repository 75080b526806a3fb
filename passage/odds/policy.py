"""The best and the worst player for an ending class: exact policy iteration.

"Best for reaching South Korea" is the policy that maximises the probability of
ending in that class; "worst" is the one that maximises the probability of ending
anywhere else (for a player who finishes, the two add up to one). Both are
maximal-reachability problems on a Markov decision process, solved by policy
iteration: evaluate a policy exactly (one sparse LU solve), switch every state to
a strictly better choice, repeat until none is better. Loops need no unrolling
and no iteration count: the policy's linear system accounts for them.

Two details make this correct on graphs with loops. States that cannot reach the
goal at all are fixed at probability 0 (and head for the nearest ending, so the
journey still finishes). The first policy moves each state one step closer to the
goal, so every state can reach the goal under it; switching only on strict
improvement then never creates a loop a journey cannot leave.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from passage.odds.chain import Absorbing, distances, policy_weights
from passage.odds.graph import CHOICES, ENDING, StateGraph

__all__ = ["Policy", "optimal_policy"]

Ints = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_IMPROVEMENT = 1e-12  # a switch must gain more than rounding noise
_MAX_ROUNDS = 10_000


@dataclass(frozen=True, slots=True)
class Policy:
    """Which edge a player takes at every choice state (-1 elsewhere), and its value:
    the probability of reaching the goal from every state."""

    chosen: Ints
    value: FloatArray
    rounds: int


def optimal_policy(graph: StateGraph, goal: npt.NDArray[np.bool_]) -> Policy:
    """The policy maximising the probability of ending in a ``goal`` state."""
    kind = graph.kind()
    ending = kind == ENDING
    to_goal = distances(graph, goal & ending)
    can = to_goal >= 0
    to_end = distances(graph, ending)
    source = graph.source()
    target = graph.target.astype(np.int64)
    choice_edge = kind[source] == CHOICES
    # first policy: one step closer to the goal, or (if out of reach) to any ending
    rank = np.where(can, to_goal, graph.size + to_end)
    rank = np.where(rank < 0, np.iinfo(np.int64).max, rank)
    chosen = _argbest(graph, -rank[target].astype(np.float64), choice_edge, source)
    fixed = ending | ~can
    deciding = (kind == CHOICES) & can
    value = np.zeros(graph.size)
    rounds = 0
    while rounds < _MAX_ROUNDS:
        rounds += 1
        chain = Absorbing(graph, policy_weights(graph, chosen), absorbing=fixed)
        value = chain.absorption((goal & ending).astype(np.float64)[:, None])[:, 0]
        if not deciding.any():
            break  # nothing to choose: the chain is the answer
        gains = value[target]
        best = _argbest(graph, gains, choice_edge & deciding[source], source)
        current = np.where(chosen >= 0, value[target[np.maximum(chosen, 0)]], -np.inf)
        better = (best >= 0) & (gains[np.maximum(best, 0)] > current + _IMPROVEMENT)
        if not better.any():
            break
        chosen = np.where(better, best, chosen)
    return Policy(chosen, value, rounds)


def _argbest(graph: StateGraph, score: FloatArray, eligible: npt.NDArray[np.bool_],
             source: Ints) -> Ints:
    """Per state, the first eligible edge with the highest score (-1 if none)."""
    chosen = np.full(graph.size, -1, dtype=np.int64)
    edges = np.flatnonzero(eligible)
    if not edges.size:
        return chosen
    states = source[edges]
    best = np.full(graph.size, -np.inf)
    np.maximum.at(best, states, score[edges])
    top = edges[score[edges] >= best[states] - _IMPROVEMENT / 10]
    first = np.full(graph.size, np.iinfo(np.int64).max)
    np.minimum.at(first, source[top], top)
    has = first < np.iinfo(np.int64).max
    chosen[has] = first[has]
    return chosen
