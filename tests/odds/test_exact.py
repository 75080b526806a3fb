"""Exact odds of hand-made stories with known answers (tests/odds/fixtures/*/expected.toml).

Each expected.toml gives, for the random player and for the best and worst player
for a class, the class probabilities and expected scenes and choices as fractions.
"""

from __future__ import annotations

import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

from passage.odds.report import Distribution
from passage.odds.solve import solve
from tests.odds.conftest import FIXTURES, fixture

CASES = sorted(p.parent.name for p in FIXTURES.glob("*/expected.toml"))


def expectations(name: str) -> dict[str, object]:
    return tomllib.loads((FIXTURES / name / "expected.toml").read_text(encoding="utf-8"))


def check(found: Distribution, wanted: dict[str, object]) -> None:
    assert found.exact_classes is not None and found.exact_endings is not None
    for key, value in dict(wanted.get("classes", {})).items():  # type: ignore[call-overload]
        assert found.exact_classes[key] == Fraction(value), key
        assert found.classes[key] == pytest.approx(float(Fraction(value)), abs=1e-12)
    for key, value in dict(wanted.get("endings", {})).items():  # type: ignore[call-overload]
        assert found.exact_endings[key] == Fraction(value), key
    if "scenes" in wanted:
        assert found.exact_scenes == Fraction(str(wanted["scenes"]))
        assert found.expected_scenes == pytest.approx(float(Fraction(str(wanted["scenes"]))))
    if "choices" in wanted:
        assert found.exact_choices == Fraction(str(wanted["choices"]))
        assert found.expected_choices == pytest.approx(float(Fraction(str(wanted["choices"]))))
    for scene, label in dict(wanted.get("decisions", {})).items():  # type: ignore[call-overload]
        taken = found.decisions[scene]
        assert max(taken, key=lambda choice: taken[choice]) == label
    assert sum(found.exact_classes.values()) == 1


@pytest.mark.parametrize("name", CASES)
def test_random_player(name: str) -> None:
    wanted = expectations(name)
    report = solve(fixture(name), exact_mode=True)
    assert report.exact
    if "random" in wanted:
        check(report.random, wanted["random"])  # type: ignore[arg-type]
    else:
        assert report.random.exact_classes is not None
        assert sum(report.random.exact_classes.values()) == 1


@pytest.mark.parametrize(
    ("name", "target"),
    [(name, target) for name in CASES
     for target in dict(expectations(name).get("best", {}))],  # type: ignore[call-overload]
)
def test_best_and_worst_players(name: str, target: str) -> None:
    wanted = expectations(name)
    report = solve(fixture(name), target=target, exact_mode=True)
    assert report.best is not None and report.worst is not None
    check(report.best, wanted["best"][target])  # type: ignore[index]
    if target in dict(wanted.get("worst", {})):  # type: ignore[call-overload]
        check(report.worst, wanted["worst"][target])  # type: ignore[index]
    assert report.best.classes[target] >= report.random.classes[target] - 1e-12
    assert report.worst.classes[target] <= report.random.classes[target] + 1e-12


def test_floats_match_fractions_on_the_example(example: object) -> None:
    report = solve(example, target="caught", exact_mode=True)  # type: ignore[arg-type]
    for player in (report.random, report.best, report.worst):
        assert player is not None and player.exact_classes is not None
        for key, value in player.exact_classes.items():
            assert player.classes[key] == pytest.approx(float(value), abs=1e-12)


def test_example_known_answers(example: object) -> None:
    """The example story's odds, worked out by hand: crossing 1/2, caught 1/3, home 1/6."""
    report = solve(example, exact_mode=True)  # type: ignore[arg-type]
    assert report.random.exact_classes == {
        "reached-far-bank": Fraction(1, 2), "caught": Fraction(1, 3), "stayed": Fraction(1, 6)}


def test_fractions_are_skipped_when_not_cheap_and_refused_on_request() -> None:
    story = fixture("wait-loop")
    assert solve(story, exact_mode=False).random.exact_classes is None
    assert solve(story).random.exact_classes is not None  # small: fractions by default


def test_expected_toml_files_are_all_used() -> None:
    folders = {p.name for p in Path(FIXTURES).iterdir() if (p / "expected.toml").exists()}
    assert folders == set(CASES)
