"""Random journeys through the real engine: ``play --auto`` and the Monte Carlo cross-check.

A random player picks uniformly among the enabled choices; chance is drawn by the
engine from each journey's seed, exactly as for a human player.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from passage.engine.state import new_state
from passage.engine.step import enabled, step
from passage.story.model import Chance, Choices, Ending, Story

__all__ = ["AutoplayResult", "Coverage", "play_random"]

MAX_STEPS = 100_000


@dataclass(slots=True)
class Coverage:
    """What random play visited: scenes, (scene, choice) pairs and (scene, outcome) pairs."""

    scenes: set[str] = field(default_factory=set)
    choices: set[tuple[str, int]] = field(default_factory=set)
    outcomes: set[tuple[str, int]] = field(default_factory=set)

    def missing(
        self, story: Story
    ) -> tuple[list[str], list[tuple[str, int]], list[tuple[str, int]]]:
        scenes = [s for s in story.scenes if s not in self.scenes]
        choices, outcomes = [], []
        for scene in story.scenes.values():
            if isinstance(scene.exit, Choices):
                choices += [
                    (scene.id, i)
                    for i in range(len(scene.exit.choices))
                    if (scene.id, i) not in self.choices
                ]
            elif isinstance(scene.exit, Chance):
                outcomes += [
                    (scene.id, i)
                    for i in range(len(scene.exit.outcomes))
                    if (scene.id, i) not in self.outcomes
                ]
        return scenes, choices, outcomes


@dataclass(slots=True)
class AutoplayResult:
    journeys: int = 0
    steps: int = 0
    endings: Counter[str] = field(default_factory=Counter)  # ending scene id -> count
    classes: Counter[str] = field(default_factory=Counter)  # ending class -> count
    coverage: Coverage = field(default_factory=Coverage)
    words: list[int] = field(default_factory=list)  # words read per journey
    class_words: dict[str, list[int]] = field(default_factory=dict)  # per ending class
    chapter_words: dict[str, list[int]] = field(default_factory=dict)  # per chapter passed through


def _tally_reading(result: AutoplayResult, ending_class: str, read: Counter[str]) -> None:
    total = sum(read.values())
    result.words.append(total)
    result.class_words.setdefault(ending_class, []).append(total)
    for chapter, words in read.items():
        result.chapter_words.setdefault(chapter, []).append(words)


def play_random(
    story: Story,
    journeys: int,
    seed: int = 0,
    track_coverage: bool = False,
    progress: Callable[[int], None] | None = None,
) -> AutoplayResult:
    """Play ``journeys`` random journeys; ``progress`` is called with the count done so far."""
    rng = random.Random(seed)
    result = AutoplayResult()
    coverage = result.coverage
    for done in range(1, journeys + 1):
        state = new_state(story, rng.getrandbits(64))
        if track_coverage:
            coverage.scenes.add(state.scene)
        read: Counter[str] = Counter()
        for _ in range(MAX_STEPS):
            scene = story.scenes[state.scene]
            read[scene.chapter] += scene.reading_words
            exit_ = scene.exit
            if isinstance(exit_, Ending):
                result.endings[scene.id] += 1
                result.classes[exit_.ending_class] += 1
                _tally_reading(result, exit_.ending_class, read)
                break
            choice = 0
            if isinstance(exit_, Choices):
                options = [i for i, c in enumerate(exit_.choices) if enabled(c, state)]
                choice = options[rng.randrange(len(options))]
                if track_coverage:
                    coverage.choices.add((scene.id, choice))
            state = step(story, state, choice)
            result.steps += 1
            if track_coverage:
                coverage.scenes.add(state.scene)
                if state.reveal is not None:
                    coverage.outcomes.add((state.reveal.scene, state.reveal.outcome))
        result.journeys = done
        if progress is not None and (done % 256 == 0 or done == journeys):
            progress(done)
    return result
