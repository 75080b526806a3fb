"""Per-choice odds for players: "from here, about 1 in 5 journeys reached South Korea".

The web player asks, for the state a reader is in, what became of random journeys
after each choice on offer. The answer needs every state's class probabilities,
which one backward sweep of the absorbing chain gives for the whole story; it is
computed once per story id and version and kept (a published story version never
changes). Stories too large to solve are remembered as such, so a request never
pays for a failed attempt twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from passage.engine.space import SpaceTooLarge
from passage.engine.state import State
from passage.odds.chain import Absorbing, uniform_weights
from passage.odds.graph import CHOICES, DEFAULT_MAX_STATES, ENDING, StateGraph, build
from passage.odds.solve import OddsError, check_finishable
from passage.story.model import Ending, Story

__all__ = ["OddsUnavailable", "choice_odds", "clear_cache", "journey_odds", "phrase"]

ClassOdds = dict[str, float]


class OddsUnavailable(Exception):
    """The story's odds cannot be computed (too many states, or a journey can get stuck)."""


@dataclass(frozen=True, slots=True)
class _Solved:
    graph: StateGraph
    classes: tuple[str, ...]
    odds: npt.NDArray[np.float64]  # per state, per class: probability for a random player


_CACHE: dict[tuple[str, str, int], _Solved | OddsUnavailable] = {}
_LOCK = threading.Lock()


def choice_odds(story: Story, state: State,
                max_states: int = DEFAULT_MAX_STATES) -> dict[int, ClassOdds]:
    """For each enabled choice (authored index), the probability of each ending class
    for a journey that takes it and then chooses at random. At a chance or jump
    scene, ``{0: ...}`` is the odds of continuing; at an ending, ``{}``.

    Raises :class:`OddsUnavailable` when the story cannot be solved.
    """
    solved = _solved(story, max_states)
    graph = solved.graph
    number = graph.state_of(state)
    if number is None:  # not reachable from the start (an edited story?): solve from here
        solved = _solve(story, max_states, state)
        graph = solved.graph
        number = graph.root
    kind = int(graph.kind()[number])
    if kind == ENDING:
        return {}
    if kind != CHOICES:
        return {0: _row(solved, number)}
    start, stop = int(graph.indptr[number]), int(graph.indptr[number + 1])
    return {int(graph.label[e]): _row(solved, int(graph.target[e])) for e in range(start, stop)}


def journey_odds(story: Story, max_states: int = DEFAULT_MAX_STATES) -> ClassOdds:
    """The probability of each ending class for a random journey from the start."""
    solved = _solved(story, max_states)
    return _row(solved, solved.graph.root)


def phrase(probability: float) -> str:
    """Plain words for a probability: "about 1 in 5", "about 7 in 10", "every"..."""
    if probability <= 0:
        return "no"
    if probability >= 1:
        return "every"
    if probability < 0.005:
        return "fewer than 1 in 200"
    if probability > 0.995:
        return "almost every"
    if probability <= 0.5:
        count = round(1 / probability)
        if abs(1 / count - probability) <= 0.15 * probability:
            return f"about 1 in {count}"
    tenths = max(1, min(9, round(probability * 10)))
    return f"about {tenths} in 10"


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def _row(solved: _Solved, state: int) -> ClassOdds:
    return {name: float(p) for name, p in zip(solved.classes, solved.odds[state], strict=True)}


def _solved(story: Story, max_states: int) -> _Solved:
    key = (story.id, story.version, max_states)
    with _LOCK:
        found = _CACHE.get(key)
        if found is None:
            try:
                found = _solve(story, max_states)
            except OddsUnavailable as error:
                found = error
            _CACHE[key] = found
    if isinstance(found, OddsUnavailable):
        raise found
    return found


def _solve(story: Story, max_states: int, root: State | None = None) -> _Solved:
    try:
        graph = build(story, max_states, root)
        check_finishable(graph)
    except SpaceTooLarge as error:
        raise OddsUnavailable(f"story {story.id!r} has {error}") from None
    except OddsError as error:
        raise OddsUnavailable(str(error)) from None
    classes = tuple(story.endings)
    column = {name: i for i, name in enumerate(classes)}
    ending_class = np.full(len(graph.scene_ids), -1, dtype=np.int64)
    for number, scene_id in enumerate(graph.scene_ids):
        exit_ = story.scenes[scene_id].exit
        if isinstance(exit_, Ending):
            ending_class[number] = column[exit_.ending_class]
    values = np.zeros((graph.size, len(classes)))
    ending = graph.kind() == ENDING
    values[np.flatnonzero(ending), ending_class[graph.scene[ending]]] = 1.0
    odds = Absorbing(graph, uniform_weights(graph)).absorption(values)
    return _Solved(graph, classes, odds)
