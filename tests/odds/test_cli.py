"""``passage odds``: tables, JSON, exit codes and clear refusals (no tracebacks)."""

from __future__ import annotations

import json

import pytest

from passage.cli import main
from tests.conftest import EXAMPLE
from tests.odds.conftest import FIXTURES


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["odds", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(EXAMPLE), "--target", "caught")
    assert status == 0
    assert "33.3% (1/3)" in out and "best for caught" in out and "worst for caught" in out
    assert "expected scenes" in out and "5.2" in out
    assert "How to maximise 'caught'" in out and "'Call my sister'" in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(EXAMPLE), "--json", "--target", "stayed")
    assert status == 0
    data = json.loads(out)
    assert data["story"] == "example" and data["exact"] is True
    assert data["random"]["exact"]["classes"] == {
        "reached-far-bank": "1/2", "caught": "1/3", "stayed": "1/6"}
    assert data["random"]["classes"]["caught"] == pytest.approx(1 / 3)
    assert data["random"]["exact"]["expected_scenes"] == "1505/288"
    assert data["best"]["exact"]["classes"]["stayed"] == "1"
    assert data["worst"]["exact"]["classes"]["stayed"] == "0"
    assert data["space"]["states"] == 21 and data["space"]["packed"] is True
    assert data["unreachable"] == {"scenes": [], "choices": [], "jump_branches": []}


def test_simulate_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(EXAMPLE), "--json", "--simulate", "3000", "--seed", "4")
    assert status == 0
    simulation = json.loads(out)["simulation"]
    assert simulation["journeys"] == 3000 and simulation["agrees"] is True
    assert {row["name"] for row in simulation["classes"]} == {"reached-far-bank", "caught",
                                                             "stayed"}


def test_simulate_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(FIXTURES / "wait-loop"), "--simulate", "2000")
    assert status == 0
    assert "Monte Carlo check: 2,000 journeys" in out and "journeys/s" in out


def test_unreachable_content_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(FIXTURES / "unreachable"), "--json")
    assert status == 0
    assert json.loads(out)["unreachable"] == {
        "scenes": ["rich", "forgotten"],
        "choices": [{"scene": "start", "choice": 1}],
        "jump_branches": [{"scene": "middle", "branch": 1}],
    }
    status, out, _ = run(capsys, str(FIXTURES / "unreachable"))
    assert "Content no player can reach" in out
    assert "choice start #2 'Dream of riches'" in out
    assert "jump branch middle #2 'Never taken'" in out


def test_unknown_target(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, str(EXAMPLE), "--target", "nowhere")
    assert status == 1
    assert "unknown ending class 'nowhere'" in err and "reached-far-bank" in err


def test_too_many_states(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, str(FIXTURES / "money"), "--max-states", "5")
    assert status == 1
    assert "more than 5 reachable states" in err and "--max-states" in err
    assert "money (4 values)" in err
    assert "Traceback" not in err


def test_stuck_story(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, str(FIXTURES / "stuck"))
    assert status == 1
    assert "chapters/one.md:12" in err and "'shop' has no choice enabled" in err
    assert "money=0" in err


def test_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(EXAMPLE), "--simulate", "-1")[0] == 2
    assert run(capsys, str(EXAMPLE), "--max-states", "0")[0] == 2
    assert run(capsys, str(FIXTURES / "no-such-story"))[0] != 0
