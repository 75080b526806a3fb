"""Compiling story folders: the example's features, safety of the HTML, and bad input."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passage.story import Story, StoryError, compile_story, compile_with_diagnostics
from passage.story.model import Chance, Choices, Ending, Jump
from tests.conftest import BASE_TOML, EXAMPLE, StoryWriter


def test_example_uses_every_feature(example: Story) -> None:
    exits = {type(scene.exit) for scene in example.scenes.values()}
    assert exits == {Choices, Chance, Jump, Ending}
    kinds = {v.kind for v in example.variables}
    assert kinds == {"int", "bool", "enum"}
    scenes = example.scenes
    assert any(s.facts for s in scenes.values())
    assert {e.kind for s in scenes.values() for e in s.explores} >= {"table", "testimony"}
    assert any(s.notes and s.summary_html for s in scenes.values())
    assert any(s.media for s in scenes.values())
    choices = [c for s in scenes.values() if isinstance(s.exit, Choices) for c in s.exit.choices]
    assert any(c.reason for c in choices), "a choice shown disabled with a reason"
    assert any(c.condition is not None and c.reason is None for c in choices), "a hidden choice"
    assert any(c.effects for c in choices)
    chances = [s.exit for s in scenes.values() if isinstance(s.exit, Chance)]
    assert any(c.sources for c in chances) and any(c.rationale for c in chances)
    assert example.tracked_scenes == ("wait",)
    assert example.calibration and example.calibration[0].ending_class == "caught"
    assert len(example.chapters) == 2 and example.chapters[1].first_scene == "river-eve"


def test_every_node_knows_its_file_and_line(example: Story) -> None:
    for scene in example.scenes.values():
        assert scene.location.file.startswith("chapters/") and scene.location.line > 0
        for fact in scene.facts:
            assert fact.location.line > scene.location.line
    river = example.scenes["river-eve"]
    assert str(river.location) == "chapters/02-river.md:7:1"


def test_story_is_immutable(example: Story) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        example.scenes["x"] = example.scenes["kitchen"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        example.scenes["kitchen"].title = "changed"  # type: ignore[misc]


def test_chance_probabilities_are_exact(example: Story) -> None:
    exit_ = example.scenes["far-bank"].exit
    assert isinstance(exit_, Chance)
    assert [o.probability for o in exit_.outcomes] == [Fraction(1, 2), Fraction(1, 2)]
    assert exit_.thresholds == (2**63, 2**64)


def test_prose_html_is_inert(write_story: StoryWriter) -> None:
    chapter = """# A {#a}

<script>alert(1)</script> and <b onclick="x()">bold</b> [x](javascript:alert(1))

::: fact {sources=src}
<img src=x onerror=alert(1)> fact
:::

- [<script>go</script> *now*](#end)

# End {#end ending=done}

Over.

::: epilogue {sources=src}
<iframe src="https://evil.example"></iframe>
:::
"""
    story = compile_story(write_story(chapter))
    scene = story.scenes["a"]
    html = scene.prose_html + scene.facts[0].html
    assert "<script>" not in html and "<b " not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    choice = scene.exit.choices[0]  # type: ignore[union-attr]
    assert "<script>" not in choice.text_html and "<em>now</em>" in choice.text_html
    ending = story.scenes["end"].exit
    assert isinstance(ending, Ending) and "<iframe" not in ending.epilogue_html


def test_https_links_are_kept_with_rel(write_story: StoryWriter) -> None:
    story = compile_story(
        write_story("""# A {#a}

See [the report](https://www.hrw.org/) and [the end](#end).

- [Go](#end)

# End {#end ending=done}

.

::: epilogue {sources=src}
.
:::
""")
    )
    html = story.scenes["a"].prose_html
    assert '<a href="https://www.hrw.org/" rel="noopener noreferrer">the report</a>' in html
    assert "the end" in html and 'href="#end"' not in html


@pytest.mark.parametrize(
    ("toml", "words", "line"),
    [
        ('format = 1\nid = "x"\ntitle = [', "invalid TOML", 3),
        (BASE_TOML.replace("format = 1", "format = 9"), "needs story format 9", 1),
        (BASE_TOML.replace('type = "int"', 'type = "float"'), "use 'int', 'bool' or 'enum'", 8),
        (BASE_TOML.replace("initial = 1", "initial = 7"), "min <= initial <= max", 8),
        (BASE_TOML.replace('start = "a"', 'start = "zz"'), "start scene 'zz' does not exist", 5),
        (BASE_TOML.replace('id = "tiny"', 'id = "Tiny Story"'), "lower-case", 2),
        (BASE_TOML.replace("lon = 129.0", "lon = 400.0"), "out of range", 31),
    ],
)
def test_story_toml_errors_name_the_line(
    write_story: StoryWriter, toml: str, words: str, line: int
) -> None:
    chapter = "# A {#a}\n\n::: jump\n- [x](#a)\n:::\n"
    story, diagnostics = compile_with_diagnostics(write_story(chapter, toml=toml))
    assert story is None
    match = [d for d in diagnostics if words in d.message]
    assert match, [str(d) for d in diagnostics]
    assert match[0].location.file == "story.toml" and match[0].location.line == line


def test_missing_folder_and_files(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match="not a folder"):
        compile_story(tmp_path / "nope")
    with pytest.raises(StoryError, match="file not found"):
        compile_story(tmp_path)


def test_chapter_outside_the_folder_is_refused(write_story: StoryWriter) -> None:
    toml = BASE_TOML.replace('chapters = ["chapters/one.md"]', 'chapters = ["../../etc/passwd"]')
    with pytest.raises(StoryError, match="inside the story folder"):
        compile_story(write_story("# A {#a}\n", toml=toml))


def test_huge_file_is_refused_with_a_message(write_story: StoryWriter) -> None:
    root = write_story("# A {#a}\n")
    with (root / "chapters" / "one.md").open("a") as handle:
        handle.write("x" * (9 * 1024 * 1024))
    with pytest.raises(StoryError, match="byte limit"):
        compile_story(root)


def test_not_utf8(write_story: StoryWriter) -> None:
    root = write_story("# A {#a}\n")
    (root / "chapters" / "one.md").write_bytes(b"+++\n\xff\xfe\n+++\n")
    with pytest.raises(StoryError, match="not UTF-8"):
        compile_story(root)


def test_the_example_compiles_from_any_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert compile_story(EXAMPLE).id == "example"


PIECES = st.sampled_from(
    [
        "# A {#a}",
        "# B {#b waypoint=home}",
        "# E {#end ending=done}",
        "# X {#a ending=zz}",
        "text",
        "*em*",
        "::: fact {sources=src}",
        '::: explore "T" {kind=table}',
        ":::",
        "::: chance {sources=src}",
        "- 0.5 [x](#a)",
        "- 1/2 [y](#end)",
        "::: jump",
        "- [go](#b)",
        '- [go](#end){if="money > 1" else="no"}',
        '- [x](#a){set="money += 1"}',
        "::: epilogue {sources=src}",
        "::: summary",
        "| a | b |",
        "|---|---|",
        "![p](media/x.png)",
        '- [x](#a){if="',
        "{",
        "}",
        "```",
        "<script>",
        "+++",
        "",
        "# {#}",
        "- [",
        "::: explore",
    ]
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(PIECES, max_size=25).map("\n".join))
def test_fuzz_compiler_only_raises_story_error(write_story: StoryWriter, chapter: str) -> None:
    try:
        story = compile_story(write_story(chapter))
    except StoryError as error:
        assert error.diagnostics
        assert all(d.location.file for d in error.diagnostics)
        return
    assert story.start in story.scenes


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_fuzz_random_text_only_raises_story_error(write_story: StoryWriter, chapter: str) -> None:
    try:
        story = compile_story(write_story(chapter))
    except StoryError as error:
        assert error.diagnostics
        return
    assert story.start in story.scenes
