"""What ``passage stats`` shows: where journeys end, drop-off per chapter, choice shares.

Built from the store (journey-level rows for ends and chapters, tallies for
choices) and, when the story folder is at hand, the compiled story for titles,
chapter order and choice texts. The privacy threshold applies here too: a scene
with fewer journeys than the threshold shows no shares, because a report is
easily passed around.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from passage.analytics.aggregates import THRESHOLD
from passage.analytics.events import hour_of
from passage.analytics.store import Store
from passage.story.model import Chance, Choices, Story

__all__ = ["ChapterRow", "EndRow", "Report", "SceneShares", "build_report"]


@dataclass(frozen=True, slots=True)
class EndRow:
    kind: str  # "ending", "left" (no step for over an hour) or "playing"
    key: str  # ending class, or the scene where the journey stopped
    label: str
    journeys: int


@dataclass(frozen=True, slots=True)
class ChapterRow:
    number: int
    title: str
    journeys: int  # journeys that reached the chapter
    lost: int  # journeys that reached the previous chapter but not this one


@dataclass(frozen=True, slots=True)
class SceneShares:
    scene: str
    title: str
    kind: str  # "choice" or "chance"
    journeys: int
    shares: tuple[tuple[str, str, int], ...]  # (key, text, journeys); empty below threshold


@dataclass(slots=True)
class Report:
    story_id: str
    versions: tuple[str, ...]
    journeys: int
    steps: int
    first_hour: datetime | None
    last_hour: datetime | None
    ends: list[EndRow] = field(default_factory=list)
    chapters: list[ChapterRow] | None = None  # None without the story folder
    scenes: list[SceneShares] = field(default_factory=list)
    threshold: int = THRESHOLD

    @property
    def finished(self) -> int:
        return sum(r.journeys for r in self.ends if r.kind == "ending")


def build_report(
    store: Store,
    story_id: str,
    version: str | None,
    story: Story | None,
    now: datetime,
    threshold: int = THRESHOLD,
) -> Report:
    totals = [
        t for t in store.stories() if t.story_id == story_id and version in (None, t.story_version)
    ]
    report = Report(
        story_id=story_id,
        versions=tuple(t.story_version for t in totals),
        journeys=sum(t.journeys for t in totals),
        steps=sum(t.steps for t in totals),
        first_hour=min((t.first_hour for t in totals), default=None),
        last_hour=max((t.last_hour for t in totals), default=None),
        threshold=threshold,
    )
    report.ends = _ends(store, story_id, version, story, now)
    if story is not None:
        report.chapters = _chapters(store, story_id, version, story)
    report.scenes = _shares(store, story_id, version, story, threshold)
    return report


def _ends(
    store: Store, story_id: str, version: str | None, story: Story | None, now: datetime
) -> list[EndRow]:
    recent = hour_of(now) - timedelta(hours=1)
    endings: dict[str, int] = defaultdict(int)
    left: dict[str, int] = defaultdict(int)
    playing = 0
    for end in store.journey_ends(story_id, version):
        if end.ending_class is not None:
            endings[end.ending_class] += end.journeys
        elif end.last_hour >= recent:
            playing += end.journeys
        else:
            left[end.scene] += end.journeys
    rows = []
    order = list(story.endings) if story is not None else sorted(endings)
    for key in order + sorted(set(endings) - set(order)):
        title = story.endings[key].title if story is not None and key in story.endings else key
        rows.append(EndRow("ending", key, title, endings.get(key, 0)))
    for scene, count in sorted(left.items(), key=lambda item: (-item[1], item[0])):
        rows.append(EndRow("left", scene, f"left at {_scene_title(story, scene)}", count))
    if playing:
        rows.append(EndRow("playing", "", "still playing (a step within the hour)", playing))
    return rows


def _chapters(store: Store, story_id: str, version: str | None, story: Story) -> list[ChapterRow]:
    chapter_of = {s.id: s.chapter for s in story.scenes.values()}
    reached: dict[str, set[str]] = defaultdict(set)
    for journey, scene in store.passages(story_id, version):
        chapter_id = chapter_of.get(scene)
        if chapter_id is not None:
            reached[chapter_id].add(journey)
    rows: list[ChapterRow] = []
    previous: int | None = None
    for chapter in sorted(story.chapters, key=lambda c: c.number):
        count = len(reached[chapter.id])
        rows.append(
            ChapterRow(
                chapter.number,
                chapter.title,
                count,
                max(0, previous - count) if previous is not None else 0,
            )
        )
        previous = count
    return rows


def _shares(
    store: Store, story_id: str, version: str | None, story: Story | None, threshold: int
) -> list[SceneShares]:
    at: dict[str, int] = defaultdict(int)
    items: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in store.tallies(story_id):
        if version is not None and t.story_version != version:
            continue
        if t.kind == "scene":
            at[t.scene] += t.journeys
        elif t.kind in ("choice", "outcome"):
            items[(t.scene, "choice" if t.kind == "choice" else "chance")][t.item] += t.journeys
    order = list(story.scenes) if story is not None else []
    scenes = sorted(
        {s for s, _ in items},
        key=lambda s: (s not in order, order.index(s) if s in order else 0, s),
    )
    out = []
    for scene in scenes:
        for kind in ("choice", "chance"):
            counts = items.get((scene, kind))
            if counts is None:
                continue
            texts = _texts(story, scene)
            keys = [k for k in texts if k in counts] + sorted(set(counts) - set(texts))
            shares = tuple((k, texts.get(k, k), counts[k]) for k in keys)
            out.append(
                SceneShares(
                    scene,
                    _scene_title(story, scene),
                    kind,
                    at.get(scene, 0),
                    shares if at.get(scene, 0) >= threshold else (),
                )
            )
    return out


def _texts(story: Story | None, scene_id: str) -> dict[str, str]:
    scene = story.scenes.get(scene_id) if story is not None else None
    if scene is None:
        return {}
    if isinstance(scene.exit, Choices):
        return {c.key: c.text for c in scene.exit.choices}
    if isinstance(scene.exit, Chance):
        return {o.key: o.text for o in scene.exit.outcomes}
    return {}


def _scene_title(story: Story | None, scene_id: str) -> str:
    scene = story.scenes.get(scene_id) if story is not None else None
    return f"{scene.title} ({scene_id})" if scene is not None and scene.title else scene_id
