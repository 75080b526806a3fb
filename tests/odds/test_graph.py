"""The state graph: the same states as ``space.explore``, packed or not, and the solver
agreeing with a plain rational solve of ``space.explore``'s own transitions."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from passage.engine import new_state, step, view
from passage.engine.space import Key, SpaceTooLarge, explore
from passage.odds.codec import make_codec
from passage.odds.graph import StateGraph, build
from passage.odds.relevance import slot_masks
from passage.odds.solve import solve
from passage.story import Story, compile_story
from passage.story.model import Choices, Ending
from tests.conftest import StoryWriter
from tests.odds.conftest import fixture

SMALL = ["back-and-forth", "coin", "money", "two-doors", "wait-loop", "unreachable"]


def edges(graph: StateGraph) -> set[tuple[Key, int, Key]]:
    found = set()
    for state in range(graph.size):
        for edge in range(int(graph.indptr[state]), int(graph.indptr[state + 1])):
            found.add((graph.key(state), int(graph.label[edge]),
                       graph.key(int(graph.target[edge]))))
    return found


@pytest.mark.parametrize("name", SMALL)
def test_same_states_as_space_explore(name: str) -> None:
    story = fixture(name)
    keys = {key for key, _ in explore(story)}
    graph = build(story)
    assert {graph.key(i) for i in range(graph.size)} == keys
    assert graph.key(graph.root) == next(iter(explore(story)))[0]


def test_example_same_states_as_space_explore(example: Story) -> None:
    assert {build(example).key(i) for i in range(build(example).size)} == {
        key for key, _ in explore(example)}


@pytest.mark.parametrize("name", [*SMALL, "example"])
def test_packed_and_keyed_exploration_agree(name: str, example: Story) -> None:
    story = example if name == "example" else fixture(name)
    packed, keyed = build(story), build(story, packed=False)
    assert packed.packed and not keyed.packed
    assert edges(packed) == edges(keyed)


@pytest.mark.slow
def test_packed_and_keyed_agree_on_the_flagship(escape: Story) -> None:
    packed, keyed = build(escape), build(escape, packed=False)
    assert packed.size == keyed.size and packed.edge_count == keyed.edge_count
    for state in range(0, packed.size, max(1, packed.size // 2000)):
        key = packed.key(state)
        other = keyed.table.find(key)
        assert other is not None
        mine = {(int(packed.label[e]), packed.key(int(packed.target[e])))
                for e in range(int(packed.indptr[state]), int(packed.indptr[state + 1]))}
        theirs = {(int(keyed.label[e]), keyed.key(int(keyed.target[e])))
                  for e in range(int(keyed.indptr[other]), int(keyed.indptr[other + 1]))}
        assert mine == theirs


def plain_solve(story: Story) -> dict[str, Fraction]:
    """Class probabilities by Gauss-Jordan elimination over space.explore's transitions:
    no layers, no packing, no shortcuts; only for tiny stories."""
    states = dict(explore(story))
    order = list(states)
    index = {key: i for i, key in enumerate(order)}
    classes = list(story.endings)
    size = len(order)
    rows = [[Fraction(0)] * size + [Fraction(0)] * len(classes) for _ in range(size)]
    for i, key in enumerate(order):
        rows[i][i] = Fraction(1)
        exit_ = story.scenes[key[0]].exit
        if isinstance(exit_, Ending):
            rows[i][size + classes.index(exit_.ending_class)] = Fraction(1)
            continue
        moves = states[key]
        for move in moves:
            weight = (move.probability if move.probability is not None
                      else Fraction(1, len(moves)) if isinstance(exit_, Choices) else Fraction(1))
            rows[i][index[move.target]] -= weight
    for column in range(size):
        pivot = next(r for r in range(column, size) if rows[r][column])
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column][column]
        rows[column] = [x / lead for x in rows[column]]
        for r in range(size):
            if r != column and rows[r][column]:
                factor = rows[r][column]
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[column], strict=True)]
    return {name: rows[0][size + j] for j, name in enumerate(classes)}


@pytest.mark.parametrize("name", [*SMALL, "example"])
def test_solver_agrees_with_a_plain_rational_solve(name: str, example: Story) -> None:
    story = example if name == "example" else fixture(name)
    report = solve(story, exact_mode=True)
    assert report.random.exact_classes == plain_solve(story)


@pytest.mark.parametrize("name", ["money", "wait-loop", "example"])
def test_every_state_a_journey_meets_is_in_the_graph(name: str, example: Story) -> None:
    story = example if name == "example" else fixture(name)
    graph = build(story)
    rng = random.Random(5)
    for _ in range(200):
        state = new_state(story, rng.getrandbits(64))
        while True:
            number = graph.state_of(state)
            assert number is not None
            assert graph.scene_ids[graph.scene[number]] == state.scene
            exit_ = story.scenes[state.scene].exit
            if isinstance(exit_, Ending):
                break
            offered = [c.index for c in view(story, state).choices if c.enabled]
            state = step(story, state, rng.choice(offered))


def test_too_many_states_is_refused_early() -> None:
    with pytest.raises(SpaceTooLarge) as caught:
        build(fixture("money"), max_states=5)
    assert caught.value.limit == 5 and caught.value.count > 5


def test_wide_stories_fall_back_to_key_tuples(write_story: StoryWriter) -> None:
    """70 booleans need more than 63 bits: the graph is built from key tuples instead."""
    toml = ['format = 1\nid = "wide"\ntitle = "Wide"\nversion = "1"\nstart = "a"\n'
            'chapters = ["chapters/one.md"]\n[endings.done]\ntitle = "Done"\n'
            '[waypoints.home]\nname = "Home"\nlon = 129.0\nlat = 41.0\n']
    toml += [f"[variables.f{i}]\ntype = \"bool\"\ninitial = false\n" for i in range(70)]
    chapter = "# A {#a}\n\n- [Set](#b){set=\"f0 = true\"}\n- [Skip](#b)\n\n# B {#b}\n\n"
    chapter += "- [End](#end){if=\"" + " or ".join(f"not f{i}" for i in range(70)) + "\"}\n"
    chapter += "- [Also](#end)\n\n# End {#end ending=done}\n\n.\n\n"
    chapter += "::: epilogue {sources=src}\n.\n:::\n"
    story = compile_story(write_story(chapter, toml="".join(toml)))
    assert make_codec(story, slot_masks(story)) is None
    graph = build(story)
    assert not graph.packed and graph.size == 4


@given(st.data())
def test_codec_round_trip(data: st.DataObject) -> None:
    story = fixture("money")
    masks = slot_masks(story)
    codec = make_codec(story, masks)
    assert codec is not None
    values = tuple(data.draw(st.sampled_from(v.domain())) for v in story.variables)
    visits = tuple(data.draw(st.integers(0, cap or 3)) for cap in masks.caps)
    code = codec.encode(values, visits)
    assert 0 <= code < 2**63
    assert codec.decode("start", code) == ("start", values, visits)
