"""``step``: the one way a journey moves. Pure and deterministic.

Chance draws are counter-based (splitmix64 of seed and draw counter), so going
back to a state and choosing again gives the same outcome: no re-rolling, and
every journey can be replayed from its seed and choices.
"""

from __future__ import annotations

from collections.abc import Sequence

from passage.engine.state import Reveal, State
from passage.story.expressions import Effect, Value
from passage.story.model import Chance, Choice, Choices, Ending, Jump, Story, Variable

__all__ = ["ChoiceError", "apply_effects", "draw", "enabled", "enter", "step"]

_MASK = 2**64 - 1


class ChoiceError(Exception):
    """The choice is not on offer in this state (out of range, hidden, disabled, or the end)."""


def draw(seed: int, counter: int) -> int:
    """A uniform 64-bit number for the ``counter``-th draw of a journey (splitmix64)."""
    z = (seed + (counter + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def apply_effects(
    variables: Sequence[Variable],
    values: tuple[Value, ...],
    visits: Sequence[int],
    effects: Sequence[Effect],
) -> tuple[Value, ...]:
    """Apply effects together (each sees the old values); ints are clamped to their range."""
    if not effects:
        return values
    new = list(values)
    for effect in effects:
        value = effect.value(values, visits)
        variable = variables[effect.index]
        if effect.operator != "=":
            current = values[effect.index]
            assert isinstance(current, int) and isinstance(value, int)
            value = current + value if effect.operator == "+=" else current - value
        if variable.kind == "int":
            assert isinstance(value, int)
            value = min(variable.maximum, max(variable.minimum, value))
        new[effect.index] = value
    return tuple(new)


def enabled(choice: Choice, state: State) -> bool:
    return choice.condition is None or bool(choice.condition(state.values, state.visits))


def enter(
    story: Story,
    state: State,
    target: str,
    values: tuple[Value, ...],
    reveal: Reveal | None,
    count_turn: bool = True,
    draws: int | None = None,
) -> State:
    """Arrive in ``target``: count the visit, apply its entry effects, extend the trail."""
    scene = story.scenes[target]
    visits = state.visits
    slot = story.tracked_slot.get(target)
    if slot is not None:
        visits = (*visits[:slot], visits[slot] + 1, *visits[slot + 1 :])
    if scene.on_enter:
        values = apply_effects(story.variables, values, visits, scene.on_enter)
    trail = state.trail
    if not trail or trail[-1] != scene.waypoint:
        trail = (*trail, scene.waypoint)
    return State(
        scene=target,
        values=values,
        visits=visits,
        seed=state.seed,
        draws=state.draws if draws is None else draws,
        turn=state.turn + 1 if count_turn else state.turn,
        trail=trail,
        reveal=reveal,
    )


def step(story: Story, state: State, choice: int) -> State:
    """The state after taking authored choice number ``choice`` (0 for chance and jump)."""
    scene = story.scenes.get(state.scene)
    if scene is None:
        raise ChoiceError(f"scene {state.scene!r} is not in this story")
    exit_ = scene.exit
    if isinstance(exit_, Choices):
        if not 0 <= choice < len(exit_.choices):
            raise ChoiceError(f"scene {scene.id!r} has no choice {choice}")
        taken = exit_.choices[choice]
        if not enabled(taken, state):
            raise ChoiceError(f"choice {choice} of scene {scene.id!r} is not available now")
        values = apply_effects(story.variables, state.values, state.visits, taken.effects)
        return enter(story, state, taken.target, values, reveal=None)
    if choice != 0:
        raise ChoiceError(f"scene {scene.id!r} offers only 'continue' (choice 0)")
    if isinstance(exit_, Jump):
        branch = next(b for b in exit_.branches if enabled(b, state))
        values = apply_effects(story.variables, state.values, state.visits, branch.effects)
        return enter(story, state, branch.target, values, reveal=None)
    if isinstance(exit_, Chance):
        index = pick_outcome(exit_, draw(state.seed, state.draws))
        outcome = exit_.outcomes[index]
        values = apply_effects(story.variables, state.values, state.visits, outcome.effects)
        return enter(
            story,
            state,
            outcome.target,
            values,
            reveal=Reveal(scene.id, index),
            draws=state.draws + 1,
        )
    assert isinstance(exit_, Ending)
    raise ChoiceError(f"the journey has ended at {scene.id!r}")


def pick_outcome(chance: Chance, number: int) -> int:
    """The outcome whose cumulative band holds ``number`` (a 64-bit draw)."""
    for index, threshold in enumerate(chance.thresholds):
        if number < threshold:
            return index
    return len(chance.thresholds) - 1
