"""The reachable state space: every (scene, values, visits) a journey can be in.

States are canonical (``liveness``): what no later condition can read is forgotten,
so journeys that can only end the same way share one state.

Chance is kept as exact probabilities here instead of seeded draws, so the checker
can prove things about every journey (no state is stuck, a choice can be enabled)
and the odds solver can compute exact ending probabilities.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from passage.engine.liveness import Liveness, analyse
from passage.engine.state import State, new_state
from passage.engine.step import apply_effects, enabled, enter
from passage.story.expressions import Value
from passage.story.model import Chance, Choices, Jump, Story

__all__ = [
    "Key",
    "SpaceTooLarge",
    "Transition",
    "canonical_key",
    "explore",
    "key_of",
    "liveness_of",
    "state_of",
    "transitions",
]

Key = tuple[str, tuple[Value, ...], tuple[int, ...]]


class SpaceTooLarge(Exception):
    """More reachable states than the caller allowed; ``count`` is how many were found."""

    def __init__(self, limit: int, count: int) -> None:
        super().__init__(f"more than {limit:,} reachable states")
        self.limit = limit
        self.count = count


@dataclass(frozen=True, slots=True)
class Transition:
    """One way out of a state: a decision (``probability`` None) or a chance outcome."""

    choice: int  # the authored choice index (0 for chance and jump)
    outcome: int  # chance outcome index, or -1
    probability: Fraction | None
    target: Key


def key_of(state: State) -> Key:
    """The exact key of a state (nothing forgotten)."""
    return (state.scene, state.values, state.visits)


_ANALYSES: dict[int, tuple[Story, Liveness]] = {}


def liveness_of(story: Story) -> Liveness:
    """The liveness analysis of ``story``, computed once per story object."""
    cached = _ANALYSES.get(id(story))
    if cached is None or cached[0] is not story:
        if len(_ANALYSES) > 16:
            _ANALYSES.clear()
        cached = (story, analyse(story))
        _ANALYSES[id(story)] = cached
    return cached[1]


def canonical_key(story: Story, state: State) -> Key:
    """The state's key with what can no longer matter forgotten (see ``liveness``)."""
    values, visits = liveness_of(story).canonical(state.scene, state.values, state.visits)
    return (state.scene, values, visits)


def state_of(key: Key) -> State:
    return State(key[0], key[1], key[2], 0, 0, 0, ())


def transitions(story: Story, key: Key) -> list[Transition]:
    state = state_of(key)
    exit_ = story.scenes[key[0]].exit
    result: list[Transition] = []
    if isinstance(exit_, Choices):
        for index, choice in enumerate(exit_.choices):
            if enabled(choice, state):
                values = apply_effects(story.variables, state.values, state.visits, choice.effects)
                nxt = enter(story, state, choice.target, values, None)
                result.append(Transition(index, -1, None, canonical_key(story, nxt)))
    elif isinstance(exit_, Jump):
        branch = next(b for b in exit_.branches if enabled(b, state))
        values = apply_effects(story.variables, state.values, state.visits, branch.effects)
        result.append(
            Transition(
                0, -1, None, canonical_key(story, enter(story, state, branch.target, values, None))
            )
        )
    elif isinstance(exit_, Chance):
        for index, outcome in enumerate(exit_.outcomes):
            values = apply_effects(story.variables, state.values, state.visits, outcome.effects)
            nxt = enter(story, state, outcome.target, values, None)
            result.append(Transition(0, index, outcome.probability, canonical_key(story, nxt)))
    return result


def explore(story: Story, limit: int = 1_000_000) -> Iterator[tuple[Key, list[Transition]]]:
    """Yield every reachable state with its transitions, breadth first from the start.

    Raises :class:`SpaceTooLarge` as soon as more than ``limit`` states are found,
    before memory runs out.
    """
    start = canonical_key(story, new_state(story, 0))
    seen = {start}
    queue = deque([start])
    while queue:
        key = queue.popleft()
        edges = transitions(story, key)
        for edge in edges:
            if edge.target not in seen:
                seen.add(edge.target)
                if len(seen) > limit:
                    raise SpaceTooLarge(limit, len(seen))
                queue.append(edge.target)
        yield key, edges
