"""The flagship story, Escape from North Korea: the counts the brief promises, and a clean check."""

from __future__ import annotations

from collections import Counter

import pytest

from passage.autoplay import play_random
from passage.story import Story, compile_story
from passage.story.check import check_story
from passage.story.model import Chance, Choices, Ending
from tests.conftest import ESCAPE


@pytest.fixture(scope="module")
def escape() -> Story:
    return compile_story(ESCAPE)


def test_size(escape: Story) -> None:
    endings = [s for s in escape.scenes.values() if isinstance(s.exit, Ending)]
    assert len(escape.scenes) >= 120
    assert sum(s.word_count for s in escape.scenes.values()) >= 25_000
    assert len(endings) >= 12
    assert len({e.exit.ending_class for e in endings}) >= 5  # type: ignore[union-attr]
    assert len(escape.chapters) == 7


def test_every_chapter_has_facts_explores_and_real_choices(escape: Story) -> None:
    facts: Counter[str] = Counter()
    explores: Counter[str] = Counter()
    choice_points: Counter[str] = Counter()
    disabled: Counter[str] = Counter()
    for scene in escape.scenes.values():
        facts[scene.chapter] += len(scene.facts)
        explores[scene.chapter] += len(scene.explores)
        if isinstance(scene.exit, Choices) and len(scene.exit.choices) >= 2:
            choice_points[scene.chapter] += 1
            disabled[scene.chapter] += sum(c.reason is not None for c in scene.exit.choices)
    for chapter in escape.chapters:
        assert facts[chapter.id] >= 3, chapter.id
        assert explores[chapter.id] >= 2, chapter.id
        assert choice_points[chapter.id] >= 3, chapter.id
    assert sum(disabled.values()) >= 7


def test_chance_and_endings_are_sourced(escape: Story) -> None:
    for scene in escape.scenes.values():
        exit_ = scene.exit
        if isinstance(exit_, Chance):
            assert exit_.sources or exit_.rationale or all(o.sources for o in exit_.outcomes)
        if isinstance(exit_, Ending):
            assert exit_.sources and exit_.epilogue_html


def test_the_opening_says_she_is_a_composite(escape: Story) -> None:
    opening = escape.scenes[escape.start]
    assert "composite" in opening.prose_html.lower()


def test_hard_scenes_carry_content_notes_and_summaries(escape: Story) -> None:
    noted = [s for s in escape.scenes.values() if s.notes]
    assert len(noted) >= 10
    assert all(s.summary_html for s in noted)


def test_no_score_or_game_over_language(escape: Story) -> None:
    banned = ("game over", "you win", "you lose", "score", "you won")
    for scene in escape.scenes.values():
        text = (scene.title + " " + scene.prose_text).lower()
        assert not any(word in text for word in banned), scene.id


def test_check_is_clean_without_warnings() -> None:
    report = check_story(ESCAPE)
    assert [str(d) for d in report.diagnostics] == []


def test_random_play_reaches_every_ending_and_scene(escape: Story) -> None:
    result = play_random(escape, 10_000, seed=2026, track_coverage=True)
    endings = {s.id for s in escape.scenes.values() if isinstance(s.exit, Ending)}
    assert set(result.endings) == endings
    scenes, _, _ = result.coverage.missing(escape)
    assert scenes == []
    shares = {k: v / result.journeys for k, v in result.classes.items()}
    assert shares["reached-south"] < 0.5, "most journeys do not reach South Korea"
    assert max(shares, key=shares.__getitem__) == "repatriated", "arrest in China is most common"
