"""Helpers that reach a given scene of the example story through the real engine."""

from __future__ import annotations

from collections.abc import Sequence

from passage.engine import ChoiceError, State, TokenCodec, new_state, step
from passage.story import Story

from .conftest import KEY

__all__ = ["path_to", "seed_for", "token_of"]


def path_to(story: Story, choices: Sequence[int], seed: int = 7) -> State:
    state = new_state(story, seed)
    for choice in choices:
        state = step(story, state, choice)
    return state


def token_of(story: Story, state: State) -> str:
    return TokenCodec(story, KEY).encode(state)


def seed_for(story: Story, choices: Sequence[int], scene: str) -> int:
    """A seed whose journey, taking ``choices``, arrives at ``scene``."""
    for seed in range(1000):
        try:
            if path_to(story, choices, seed).scene == scene:
                return seed
        except ChoiceError:
            continue
    raise AssertionError(f"no seed reaches {scene}")
