"""step and view on the example story. Every test runs twice: as is, and with the state
encoded to a token and decoded again after every step (ink's save/load discipline)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from passage.engine import ChoiceError, State, TokenCodec, new_state, step, view
from passage.engine.step import draw
from passage.story import Story

Advance = Callable[[State, int], State]


@pytest.fixture(params=["direct", "token-round-trip"])
def advance(request: pytest.FixtureRequest, example: Story) -> Advance:
    codec = TokenCodec(example, b"k" * 32)

    def go(state: State, choice: int) -> State:
        nxt = step(example, state, choice)
        if request.param == "token-round-trip":
            decoded = codec.decode(codec.encode(nxt))
            assert decoded == nxt
            return decoded
        return nxt

    return go


def choose(example: Story, state: State, text: str) -> int:
    return next(c.index for c in view(example, state).choices if c.text.startswith(text))


def test_new_state_starts_at_the_start(example: Story) -> None:
    state = new_state(example, 42)
    assert state.scene == "kitchen" and state.turn == 0 and state.draws == 0
    assert state.values == (2, False, "nobody", 0)
    assert state.trail == ("home",)


def test_effects_and_conditions(example: Story, advance: Advance) -> None:
    state = new_state(example, 1)
    state = advance(state, choose(example, state, "Call my sister"))
    assert state.scene == "call" and state.values[1] is True and state.values[2] == "sister"
    state = advance(state, choose(example, state, "Stay one more day"))
    assert state.scene == "wait" and state.values[3] == 1, "entry effect exhaustion += 1"
    offered = {c.text: c for c in view(example, state).choices}
    assert "Stay home for good" not in offered, "hidden: told is not 'nobody'"
    assert offered["Buy food for the road"].enabled


def test_disabled_choice_has_reason_and_cannot_be_taken(example: Story, advance: Advance) -> None:
    state = new_state(example, 1)
    state = advance(state, choose(example, state, "Leave the phone"))
    for _ in range(2):
        state = advance(state, choose(example, state, "Wait another day"))
    current = view(example, state)
    wait = next(c for c in current.choices if c.text == "Wait another day")
    assert not wait.enabled and wait.reason == "You cannot wait any longer."
    with pytest.raises(ChoiceError, match="not available"):
        step(example, state, wait.index)
    with pytest.raises(ChoiceError, match="no choice 99"):
        step(example, state, 99)


def test_clamping_keeps_values_in_range(example: Story, advance: Advance) -> None:
    state = new_state(example, 1)
    state = advance(state, choose(example, state, "Leave the phone"))
    for _ in range(2):
        state = advance(state, choose(example, state, "Wait another day"))
    assert state.values[3] == 3
    state = advance(state, choose(example, state, "Buy food"))
    state = advance(state, 0)  # jump: exhausted -> questioned
    assert state.scene == "questioned"
    assert view(example, state).kind == "choices"


def test_chance_is_replayable_from_the_same_state(example: Story, advance: Advance) -> None:
    start = new_state(example, 7)
    state = advance(start, choose(example, start, "Call my sister"))
    state = advance(state, choose(example, state, "Go to the river"))
    assert view(example, state).kind == "chance"
    first = advance(state, 0)
    again = advance(state, 0)
    assert first == again, "going back and choosing again gives the same outcome"
    assert first.draws == 1 and first.reveal is not None and first.reveal.scene == "river-eve"
    shown = view(example, first).reveal
    assert shown is not None and shown.outcome.target == first.scene


def test_chance_outcomes_follow_the_probabilities(example: Story) -> None:
    landed = 0
    runs = 4000
    for seed in range(runs):
        state = new_state(example, seed)
        state = step(example, state, 0)  # call
        state = step(example, state, 0)  # go to the river
        state = step(example, state, 0)  # step into the water
        landed += state.scene == "far-bank"
    assert abs(landed / runs - 0.6) < 4 * (0.6 * 0.4 / runs) ** 0.5


def test_draws_are_uniform_and_deterministic() -> None:
    numbers = [draw(123, i) for i in range(20000)]
    assert numbers == [draw(123, i) for i in range(20000)]
    assert len(set(numbers)) == len(numbers)
    mean = sum(n / 2**64 for n in numbers) / len(numbers)
    assert abs(mean - 0.5) < 0.01


def test_ending_view_and_no_step_after_it(example: Story, advance: Advance) -> None:
    state = new_state(example, 3)
    state = advance(state, choose(example, state, "Leave the phone"))
    state = advance(state, choose(example, state, "Stay home for good"))
    current = view(example, state)
    assert current.is_ending and current.ending is not None and current.ending.key == "stayed"
    assert "Ministry of Unification" in current.epilogue_html
    assert current.epilogue_sources == ("mou-arrivals",)
    with pytest.raises(ChoiceError, match="ended"):
        step(example, state, 0)


def test_step_is_pure(example: Story) -> None:
    state = new_state(example, 5)
    before = (state, dict(example.scenes))
    step(example, state, 0)
    assert (state, dict(example.scenes)) == before


def test_view_reports_chapter_waypoint_and_status(example: Story, advance: Advance) -> None:
    state = new_state(example, 1)
    state = advance(state, 0)
    state = advance(state, 0)
    current = view(example, state)
    assert current.chapter.id == "river" and current.chapter.number == 2
    assert current.waypoint.name == "The Tumen River border"
    assert dict(current.status) == {"Money": "1", "Phone": "yes", "Exhaustion": "0"}
    assert current.choices[0].text == "Step into the water"
    assert state.trail == ("home", "border")


def test_chance_label_is_escaped(write_story: object) -> None:
    from passage.story import compile_story

    root = write_story(  # type: ignore[operator]
        '# A {#a}\n\n::: chance {sources=src label="<b>Go</b>"}\n- 1 [x](#end)\n:::\n\n'
        "# End {#end ending=done}\n\n.\n\n::: epilogue {sources=src}\n.\n:::\n"
    )
    story = compile_story(root)
    offered = view(story, new_state(story, 1)).choices[0]
    assert offered.text_html == "&lt;b&gt;Go&lt;/b&gt;" and offered.text == "<b>Go</b>"
