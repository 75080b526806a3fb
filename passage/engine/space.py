"""The reachable state space: every (scene, values, visits) a journey can be in.

Chance is kept as exact probabilities here instead of seeded draws, so the checker
can prove things about every journey (no state is stuck, a choice can be enabled)
and the odds solver can compute exact ending probabilities.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from passage.engine.state import State, new_state
from passage.engine.step import apply_effects, enabled, enter
from passage.story.expressions import Value
from passage.story.model import Chance, Choices, Jump, Story

__all__ = ["Key", "SpaceTooLarge", "Transition", "explore", "key_of", "state_of", "transitions"]

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
    return (state.scene, state.values, state.visits)


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
                result.append(Transition(index, -1, None, key_of(nxt)))
    elif isinstance(exit_, Jump):
        branch = next(b for b in exit_.branches if enabled(b, state))
        values = apply_effects(story.variables, state.values, state.visits, branch.effects)
        result.append(
            Transition(0, -1, None, key_of(enter(story, state, branch.target, values, None)))
        )
    elif isinstance(exit_, Chance):
        for index, outcome in enumerate(exit_.outcomes):
            values = apply_effects(story.variables, state.values, state.visits, outcome.effects)
            nxt = enter(story, state, outcome.target, values, None)
            result.append(Transition(0, index, outcome.probability, key_of(nxt)))
    return result


def explore(story: Story, limit: int = 1_000_000) -> Iterator[tuple[Key, list[Transition]]]:
    """Yield every reachable state with its transitions, breadth first from the start.

    Raises :class:`SpaceTooLarge` as soon as more than ``limit`` states are found,
    before memory runs out.
    """
    start = key_of(new_state(story, 0))
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
