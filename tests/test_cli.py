"""The ``passage`` command line: exit codes, output, and the terminal player."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from passage.cli import main
from passage.story import Story
from passage.terminal import TerminalPlayer
from tests.conftest import EXAMPLE, StoryWriter


def test_check_clean_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_check_json(capsys: pytest.CaptureFixture[str], write_story: StoryWriter) -> None:
    root = write_story("# A {#a}\n\n- [E](#gone)\n")
    assert main(["check", "--json", str(root)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["errors"] >= 1
    first = report["diagnostics"][0]
    assert (
        first["code"] == "dangling-link"
        and first["file"] == "chapters/one.md"
        and first["line"] == 9
    )


def test_check_broken_story_prints_locations_not_tracebacks(
    capsys: pytest.CaptureFixture[str], write_story: StoryWriter
) -> None:
    root = write_story('# A {#a}\n\n- [E](#b){if="money >"}\n')
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr().out
    assert "chapters/one.md:9:" in out and "Traceback" not in out


def test_play_broken_story_exits_with_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["play", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "story.toml: error: file not found" in captured.out
    assert "the story has errors" in captured.err


def test_auto_play_reaches_every_ending(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["play", "--auto", "1000", "--seed", "1", "--coverage", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "1,000 journeys" in out and "every ending reached: yes" in out
    assert "random play reached every scene, choice and chance outcome" in out


def test_auto_play_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    main(["play", "--auto", "300", "--seed", "5", str(EXAMPLE)])
    first = capsys.readouterr().out
    main(["play", "--auto", "300", "--seed", "5", str(EXAMPLE)])
    assert capsys.readouterr().out == first


def test_terminal_player_scripted_journey(example: Story) -> None:
    answers = iter(["e1", "s", "9", "2", "1", "4", "1", "n", "1", "1", "1"])
    console = Console(record=True, width=100)
    player = TerminalPlayer(example, console, lambda prompt: next(answers))
    final = player.run(seed=11)
    text = console.export_text()
    assert final is not None and final.scene in {"far-bank-end", "caught"}
    assert "Explore: Who leaves?" in text and "2,706" in text, "explore item opened"
    assert "[mou-arrivals] Ministry of Unification" in text, "sources listed"
    assert "Type a number to choose" in text, "help after a bad answer"
    assert "Content note" in text and "She is questioned about the phone" in text
    assert "Chance (" in text


def test_terminal_player_quits_on_end_of_input(example: Story) -> None:
    def ask(prompt: str) -> str:
        raise EOFError

    assert TerminalPlayer(example, Console(record=True), ask).run(seed=1) is None
