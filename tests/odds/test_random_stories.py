"""Random small stories (hypothesis): the solver against a plain rational solve.

Each story has a few scenes with choices (conditions, effects, loops back), chance
blocks, jumps and visit counters. Whatever the shape, the packed explorer with its
per-edge memo, liveness merging and the layered solver must give exactly the
probabilities of Gauss-Jordan elimination over ``space.explore``'s own states, and
the best player can never do worse than the random one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passage.odds.graph import build
from passage.odds.solve import OddsError, solve
from passage.story import StoryError, compile_story
from tests.conftest import BASE_SOURCES, BASE_TOML, FRONT
from tests.odds.test_graph import edges, plain_solve

ENDINGS = (
    "\n# Done {#done ending=done}\n\n.\n\n::: epilogue {sources=src}\n.\n:::\n"
    "\n# Other {#other ending=other}\n\n.\n\n::: epilogue {sources=src}\n.\n:::\n"
)
CONDITIONS = ["", "money >= 1", "money < 2", "flag", "not flag", "who == 'sister'",
              "visits('s1') < 2", "seen('s2')", "money >= 1 and flag"]
EFFECTS = ["", "money += 1", "money -= 1", "flag = true", "flag = false", "who = 'sister'",
           "money = 0"]


@st.composite
def stories(draw: st.DrawFn) -> str:
    count = draw(st.integers(3, 8))
    scenes = []
    for i in range(count):
        kind = draw(st.sampled_from(["choices", "choices", "chance", "jump"]))
        forward = [f"s{j}" for j in range(i + 1, count)] + ["done", "other"]
        back = [f"s{j}" for j in range(i + 1)]  # loops: back, or to the same scene
        link = st.sampled_from(forward * 4 + back)
        body = f"# Scene {i} {{#s{i}}}\n\nText.\n\n"
        if kind == "chance":
            a, b = draw(link), draw(link)
            effect = draw(st.sampled_from(EFFECTS))
            attrs = f'{{set="{effect}"}}' if effect else ""
            body += (f"::: chance {{sources=src}}\n- 1/3 [A](#{a}){attrs}\n- 2/3 [B](#{b})\n"
                     ":::\n\n")
        elif kind == "jump":
            condition = draw(st.sampled_from(CONDITIONS[1:]))
            body += (f'::: jump\n- [Go](#{draw(link)}){{if="{condition}"}}\n'
                     f"- [Else](#{draw(link)})\n:::\n\n")
        else:
            choices = draw(st.integers(1, 3))
            open_last = draw(st.booleans())
            for j in range(choices):
                condition = draw(st.sampled_from(CONDITIONS))
                effect = draw(st.sampled_from(EFFECTS))
                if open_last and j == choices - 1:
                    condition = ""
                parts = ([f'if="{condition}"'] if condition else []) + (
                    [f'set="{effect}"'] if effect else [])
                attrs = "{" + " ".join(parts) + "}" if parts else ""
                body += f"- [Choice {j}](#{draw(link)}){attrs}\n"
            body += "\n"
        scenes.append(body)
    return FRONT + "".join(scenes) + ENDINGS


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stories())
def test_solver_matches_plain_solve(chapter: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "chapters").mkdir()
        (root / "story.toml").write_text(BASE_TOML.replace('start = "a"', 'start = "s0"'),
                                         encoding="utf-8")
        (root / "sources.toml").write_text(BASE_SOURCES, encoding="utf-8")
        (root / "chapters" / "one.md").write_text(chapter, encoding="utf-8")
        try:
            story = compile_story(root)
        except StoryError:
            return  # e.g. a visits() of a scene this draw did not make
    assert edges(build(story)) == edges(build(story, packed=False))
    try:
        report = solve(story, target="done", exact_mode=True)
    except OddsError:
        return  # a journey can get stuck or loop for ever: no odds to compare
    assert report.random.exact_classes == plain_solve(story)
    assert report.best is not None and report.worst is not None
    assert report.best.classes["done"] >= report.random.classes["done"] - 1e-9
    assert report.worst.classes["done"] <= report.random.classes["done"] + 1e-9
    assert abs(sum(report.best.classes.values()) - 1) < 1e-9
