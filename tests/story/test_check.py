"""The checker: structural and exact state-space findings on small stories."""

from __future__ import annotations

from passage.story.check import check_story
from tests.conftest import BASE_SOURCES, EXAMPLE, StoryWriter

END = """
# End {#end ending=done}

Over.

::: epilogue {sources=src}
.
:::

# Other {#other ending=other}

Else.

::: epilogue {sources=src}
.
:::
"""


def codes(report: object) -> list[tuple[str, str, int]]:
    return [(d.severity, d.code, d.location.line) for d in report.diagnostics]  # type: ignore[attr-defined]


def test_example_is_clean() -> None:
    report = check_story(EXAMPLE)
    assert report.diagnostics == ()
    assert report.states is not None and report.states > 10


def test_unreachable_scene_is_a_warning(write_story: StoryWriter) -> None:
    report = check_story(
        write_story(
            "# A {#a}\n\n- [End](#end)\n- [O](#other)\n\n# Lost {#lost}\n\n- [End](#end)\n" + END
        )
    )
    assert ("warning", "unreachable", 12) in codes(report)
    assert not report.errors


def test_stuck_state_is_an_error(write_story: StoryWriter) -> None:
    chapter = (
        """# A {#a}

- [Spend](#b){set="money -= 1"}
- [Other](#other)

# B {#b}

- [Pay](#end){if="money >= 1"}
"""
        + END
    )
    report = check_story(write_story(chapter))
    stuck = [d for d in report.errors if d.code == "stuck"]
    assert stuck and "money=0" in stuck[0].message and stuck[0].location.line == 12


def test_never_enabled_choice_is_a_warning(write_story: StoryWriter) -> None:
    chapter = (
        """# A {#a}

- [Rich](#end){if="money >= 3" else="Too poor."}
- [End](#end)
- [O](#other)
"""
        + END
    )
    report = check_story(write_story(chapter))
    assert ("warning", "never-enabled", 9) in codes(report)


def test_loop_with_no_open_exit_is_trapped(write_story: StoryWriter) -> None:
    chapter = (
        """# A {#a}

- [Round](#b)
- [O](#other){if="money > 10 - 10 + 5" else="never"}

# B {#b}

- [Back](#a)
- [Leave](#end){if="flag"}
"""
        + END
    )
    report = check_story(write_story(chapter))
    assert {"trapped", "no-exit"} & {d.code for d in report.errors} == {"trapped"}


def test_graph_without_any_path_to_an_ending(write_story: StoryWriter) -> None:
    chapter = (
        "# A {#a}\n\n- [B](#b)\n- [E](#end)\n- [O](#other)\n\n# B {#b}\n\n"
        "::: jump\n- [A](#b)\n:::\n"
    )
    report = check_story(write_story(chapter + END))
    assert ("error", "no-exit", 13) in codes(report)


def test_unused_declarations_are_warnings(write_story: StoryWriter) -> None:
    sources = BASE_SOURCES + '\n[unused]\npublisher = "P"\ntitle = "T"\ndate = "2020"\n'
    report = check_story(
        write_story("# A {#a}\n\n- [E](#end)\n\n" + END.split("# Other")[0], sources=sources)
    )
    found = {(d.code, d.message.split("'")[1]) for d in report.warnings}
    assert {
        ("unused-source", "unused"),
        ("unused-ending-class", "other"),
        ("unused-note", "violence"),
        ("unused-variable", "money"),
    } <= found


def test_compile_errors_are_reported_not_raised(write_story: StoryWriter) -> None:
    report = check_story(write_story("# A {#a}\n\n- [E](#nowhere)\n"))
    assert report.story is None and report.errors[0].code == "dangling-link"


def test_big_state_space_degrades_to_a_warning(write_story: StoryWriter) -> None:
    chapter = (
        '# A {#a}\n\n- [More](#a){set="money += 1"}\n- [E](#end){if="money > 2"}\n- [O](#other)\n'
    )
    report = check_story(write_story(chapter + END), state_limit=2)
    assert "state-space" in {d.code for d in report.warnings}
