"""Calibration bands: ``passage odds --calibrate`` exit codes, and errors in ``passage check``."""

from __future__ import annotations

import json

import pytest

from passage.cli import main
from passage.odds.calibrate import calibration_diagnostics, check_bands
from passage.odds.solve import random_player
from passage.story.check import check_story
from tests.conftest import EXAMPLE
from tests.odds.conftest import FIXTURES, fixture


def test_a_band_outside_the_model_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["odds", str(FIXTURES / "calibration"), "--calibrate"]) == 1
    out = capsys.readouterr().out
    assert "Calibration: model vs record" in out and "NO" in out and "50%–90%" in out


def test_bands_that_hold_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["odds", str(EXAMPLE), "--calibrate"]) == 0
    assert "20%–80%" in capsys.readouterr().out


def test_no_bands_declared(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["odds", str(FIXTURES / "coin"), "--calibrate"]) == 0
    assert "No calibration bands" in capsys.readouterr().out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["odds", str(FIXTURES / "calibration"), "--calibrate", "--json"]) == 1
    bands = json.loads(capsys.readouterr().out)["calibration"]
    assert [(b["class"], b["inside"], b["exact"]) for b in bands] == [
        ("tails", True, "2/3"), ("heads", False, "1/3")]


def test_check_reports_each_violated_band_at_its_header() -> None:
    report = check_story(FIXTURES / "calibration")
    found = [d for d in report.diagnostics if d.code == "calibration"]
    assert len(found) == 1 and found[0].severity == "error"
    lines = (FIXTURES / "calibration" / "story.toml").read_text().splitlines()
    headers = [n for n, line in enumerate(lines, start=1) if line == "[[calibration]]"]
    assert found[0].location.file == "story.toml" and found[0].location.line == headers[1]
    assert "33.3%" in found[0].message and "'heads'" in found[0].message


def test_check_is_quiet_without_bands_and_when_they_hold() -> None:
    assert calibration_diagnostics(fixture("coin")) == []
    assert not [d for d in check_story(EXAMPLE).diagnostics if d.code.startswith("calibration")]


def test_too_large_stories_get_a_warning_not_an_error() -> None:
    found = calibration_diagnostics(fixture("calibration"), max_states=1)
    assert [(d.severity, d.code) for d in found] == [("warning", "calibration-unchecked")]


def test_exact_values_decide_the_boundary() -> None:
    story = fixture("calibration")
    results = check_bands(story, random_player(story))
    assert [r.exact for r in results] == [pytest.approx(2 / 3), pytest.approx(1 / 3)]
