""" "How others chose", ready for a template: labels, counts, whole percentages.

Pages get a small value to render, never raw counts to interpret: every authored
choice of the scene in authored order (a choice nobody took shows as 0%), the
reader's own choice marked, percentages rounded so they add up to exactly 100.
Nothing comes out below the privacy threshold: the stats provider returns None
there, and so do these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from passage.analytics.events import ChoiceStats
from passage.story.model import Chance, Choices, Story

__all__ = ["Share", "Shares", "choice_shares", "ending_shares", "percentages"]


@dataclass(frozen=True, slots=True)
class Share:
    key: str
    label: str
    journeys: int
    percent: int
    yours: bool


@dataclass(frozen=True, slots=True)
class Shares:
    """The shares at one point of the story; ``total`` is what the percentages divide."""

    total: int
    items: tuple[Share, ...]


def choice_shares(
    stats: ChoiceStats, story: Story, scene_id: str, chosen: str | None = None
) -> Shares | None:
    """How the journeys at ``scene_id`` chose (or how chance fell there), or None."""
    scene = story.scenes.get(scene_id)
    if scene is None:
        return None
    counts = _safely(lambda: stats.choice_shares(story.id, story.version, scene_id))
    if isinstance(scene.exit, Choices):
        labels = [(c.key, c.text) for c in scene.exit.choices]
    elif isinstance(scene.exit, Chance):
        outcomes = getattr(stats, "outcome_shares", None)  # optional: StatsCache has it
        counts = _safely(lambda: outcomes(story.id, story.version, scene_id) if outcomes else None)
        labels = [(o.key, o.text) for o in scene.exit.outcomes]
    else:
        return None
    if counts is None:
        return None
    return _shares(labels, counts, chosen)


def ending_shares(stats: ChoiceStats, story: Story, yours: str | None = None) -> Shares | None:
    """How journeys ended, by ending class in the story's order, or None."""
    counts = _safely(lambda: stats.ending_shares(story.id, story.version))
    if counts is None:
        return None
    return _shares([(k, e.title) for k, e in story.endings.items()], counts, yours)


def percentages(counts: Sequence[int]) -> list[int]:
    """Whole percentages that add up to 100 (largest remainders get the spare points)."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    exact = [c * 100 / total for c in counts]
    whole = [int(x) for x in exact]
    spare = 100 - sum(whole)
    for index in sorted(range(len(counts)), key=lambda i: (whole[i] - exact[i], i))[:spare]:
        whole[index] += 1
    return whole


def _shares(labels: list[tuple[str, str]], counts: dict[str, int], chosen: str | None) -> Shares:
    numbers = [counts.get(key, 0) for key, _ in labels]
    total = sum(numbers)
    items = tuple(
        Share(key, label, count, percent, key == chosen)
        for (key, label), count, percent in zip(labels, numbers, percentages(numbers), strict=True)
    )
    return Shares(total, items)


def _safely(ask: Callable[[], dict[str, int] | None]) -> dict[str, int] | None:
    """A failing provider costs the figures, not the page."""
    try:
        result = ask()
    except Exception:
        return None
    return result if isinstance(result, dict) else None
