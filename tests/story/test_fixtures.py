"""Plain-text fixtures: a chapter and the diagnostics it must produce (or ``ok``).

Each ``fixtures/*.txt`` file holds a one-line purpose, ``--- chapter`` with the
chapter body (lines count from 1 after the standard front matter), and ``--- expect``
with one ``LINE[:COLUMN] code [text]`` per expected error. Every error must be
expected and every expectation met, so a fixture fails on a missing or an extra error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from passage.story import compile_with_diagnostics
from tests.conftest import FRONT, StoryWriter

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.txt"))
FRONT_LINES = FRONT.count("\n")


def _parse(path: Path) -> tuple[str, list[tuple[int, int | None, str, str]]]:
    text = path.read_text(encoding="utf-8")
    _, rest = text.split("--- chapter\n", 1)
    chapter, expect = rest.split("--- expect\n", 1)
    expected = []
    for line in expect.strip().splitlines():
        if line.strip() == "ok":
            continue
        position, code, *words = line.split(maxsplit=2)
        row, _, column = position.partition(":")
        expected.append(
            (
                int(row) + FRONT_LINES,
                int(column) if column else None,
                code,
                words[0] if words else "",
            )
        )
    return chapter, expected


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_fixture(path: Path, write_story: StoryWriter) -> None:
    chapter, expected = _parse(path)
    story, diagnostics = compile_with_diagnostics(write_story(chapter))
    errors = [d for d in diagnostics if d.severity == "error"]
    unmatched = list(errors)
    for line, column, code, text in expected:
        match = next(
            (
                d
                for d in unmatched
                if d.location.line == line
                and d.code == code
                and (column is None or d.location.column == column)
                and text in d.message
            ),
            None,
        )
        assert match is not None, f"expected {line}:{column} {code} {text!r}; got:\n" + "\n".join(
            str(d) for d in errors
        )
        unmatched.remove(match)
        assert match.location.file == "chapters/one.md"
    assert not unmatched, "unexpected errors:\n" + "\n".join(str(d) for d in unmatched)
    assert (story is not None) == (not expected)
