"""The compiled story: immutable values that every tool (engine, checker, odds, web) reads.

Nothing here changes after :func:`passage.story.compile.compile_story` returns; a
player's progress lives only in :class:`passage.engine.state.State`. Authored
choices are kept apart from what a given state offers (see ``engine.view``), so
the analyzers can list every choice point without playing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from passage.story.errors import Location
from passage.story.expressions import Effect, Evaluator, Value

__all__ = [
    "Calibration",
    "Chance",
    "Chapter",
    "Choice",
    "Choices",
    "Ending",
    "EndingClass",
    "Exit",
    "Explore",
    "Fact",
    "Jump",
    "Outcome",
    "Scene",
    "Source",
    "Story",
    "Variable",
    "Waypoint",
]


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    kind: Literal["int", "bool", "enum"]
    initial: Value
    minimum: int = 0
    maximum: int = 0
    values: tuple[str, ...] = ()
    label: str = ""

    def domain(self) -> tuple[Value, ...]:
        """Every value the variable can hold (the checker enumerates these)."""
        if self.kind == "bool":
            return (False, True)
        if self.kind == "enum":
            return self.values
        return tuple(range(self.minimum, self.maximum + 1))


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    publisher: str
    title: str
    date: str
    url: str
    note: str
    location: Location


@dataclass(frozen=True, slots=True)
class EndingClass:
    key: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Waypoint:
    key: str
    name: str
    country: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Chapter:
    id: str
    title: str
    number: int
    file: str
    waypoint: str
    first_scene: str


@dataclass(frozen=True, slots=True)
class Calibration:
    """A band the share of an ending class should fall in, with where the band comes from."""

    ending_class: str
    minimum: float
    maximum: float
    sources: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Fact:
    key: str
    html: str
    text: str
    sources: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Explore:
    key: str
    title: str
    kind: Literal["fact", "testimony", "table", "picture"]
    html: str
    sources: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Choice:
    """An authored choice; ``condition`` None means always offered."""

    key: str
    text_html: str
    text: str
    target: str
    condition: Evaluator | None
    condition_source: str
    reason: str | None  # shown when the condition is false; None hides the choice
    effects: tuple[Effect, ...]
    location: Location
    reads: frozenset[str] = frozenset()  # what the condition reads (variables, "visits:<scene>")


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str
    probability: Fraction
    text_html: str
    text: str
    target: str
    effects: tuple[Effect, ...]
    sources: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Choices:
    kind: Literal["choices"]
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class Chance:
    kind: Literal["chance"]
    label: str
    outcomes: tuple[Outcome, ...]
    thresholds: tuple[int, ...]  # cumulative probabilities scaled to 2**64, for exact draws
    sources: tuple[str, ...]
    rationale: str
    location: Location


@dataclass(frozen=True, slots=True)
class Jump:
    kind: Literal["jump"]
    branches: tuple[Choice, ...]  # the first whose condition holds is taken


@dataclass(frozen=True, slots=True)
class Ending:
    kind: Literal["ending"]
    ending_class: str
    epilogue_html: str
    sources: tuple[str, ...]
    location: Location


Exit = Choices | Chance | Jump | Ending


@dataclass(frozen=True, slots=True)
class Scene:
    id: str
    title: str
    chapter: str
    waypoint: str
    prose_html: str
    prose_text: str
    facts: tuple[Fact, ...]
    explores: tuple[Explore, ...]
    notes: tuple[str, ...]
    summary_html: str
    on_enter: tuple[Effect, ...]
    exit: Exit
    media: tuple[tuple[str, str], ...]  # (path, alt text)
    location: Location
    word_count: int  # every word an author wrote for the scene, side material included
    reading_words: int  # what a player reads on the way through: prose, facts, choices, epilogue

    def links(self) -> tuple[Choice, ...]:
        """The conditional links out of the scene: its choices, or its jump's branches."""
        exit_ = self.exit
        if isinstance(exit_, Choices):
            return exit_.choices
        if isinstance(exit_, Jump):
            return exit_.branches
        return ()

    def targets(self) -> tuple[str, ...]:
        """Every scene this one can lead to, in authored order."""
        exit_ = self.exit
        if isinstance(exit_, Choices):
            return tuple(c.target for c in exit_.choices)
        if isinstance(exit_, Jump):
            return tuple(c.target for c in exit_.branches)
        if isinstance(exit_, Chance):
            return tuple(o.target for o in exit_.outcomes)
        return ()


@dataclass(frozen=True, slots=True)
class Story:
    """A compiled story. Build it with ``compile_story``; never mutate it."""

    id: str
    title: str
    version: str
    format: int
    locale: str
    locales: tuple[str, ...]
    summary: str
    start: str
    root: str
    variables: tuple[Variable, ...]
    endings: MappingProxyType[str, EndingClass]
    content_notes: MappingProxyType[str, str]
    waypoints: MappingProxyType[str, Waypoint]
    chapters: tuple[Chapter, ...]
    sources: MappingProxyType[str, Source]
    scenes: MappingProxyType[str, Scene]
    tracked_scenes: tuple[str, ...]  # scenes whose visits the state counts (used by visits())
    calibration: tuple[Calibration, ...]
    schema: bytes = field(default=b"")  # fingerprint of what a state token's layout depends on
    chapter_by_scene: MappingProxyType[str, Chapter] = field(
        default_factory=lambda: MappingProxyType({})
    )
    tracked_slot: MappingProxyType[str, int] = field(  # scene id -> index in State.visits
        default_factory=lambda: MappingProxyType({})
    )

    def variable_index(self, name: str) -> int:
        for i, variable in enumerate(self.variables):
            if variable.name == name:
                return i
        raise KeyError(name)

    def chapter_of(self, scene_id: str) -> Chapter:
        return self.chapter_by_scene[scene_id]
