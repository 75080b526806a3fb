"""``passage check``: everything an author should fix before publishing, with file:line.

Compile errors come first. Then structural checks on the scene graph, then, when
the reachable state space is small enough to enumerate, exact checks on every
reachable state: no journey can get stuck, and every choice can be taken somehow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from passage.engine.space import SpaceTooLarge
from passage.odds.calibrate import calibration_diagnostics
from passage.story.compile import compile_with_diagnostics
from passage.story.errors import Diagnostic, Location
from passage.story.model import Choices, Ending, Jump, Story
from passage.story.state_checks import state_findings

__all__ = ["CheckReport", "check_story"]

STATE_LIMIT = 2_000_000


@dataclass(frozen=True, slots=True)
class CheckReport:
    story: Story | None
    diagnostics: tuple[Diagnostic, ...]
    states: int | None  # reachable states explored, None when not enumerated

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def check_story(directory: str | Path, state_limit: int = STATE_LIMIT) -> CheckReport:
    story, diagnostics = compile_with_diagnostics(directory)
    if story is None:
        return CheckReport(None, tuple(_sorted(diagnostics)), None)
    findings = list(diagnostics)
    findings += _graph(story)
    findings += _unused(story)
    states: int | None = None
    try:
        states, found = state_findings(story, state_limit)
        findings += found
    except SpaceTooLarge as error:
        findings.append(
            Diagnostic(
                "warning",
                "state-space",
                f"more than {error.limit:,} reachable states: stuck states and never-enabled "
                "choices were not checked exactly",
                Location("story.toml"),
            )
        )
    findings += calibration_diagnostics(story)  # bands in story.toml vs the exact odds
    return CheckReport(story, tuple(_sorted(findings)), states)


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(
        diagnostics,
        key=lambda d: (
            d.severity != "error",
            d.location.file,
            d.location.line,
            d.location.column,
            d.code,
        ),
    )


def _graph(story: Story) -> list[Diagnostic]:
    """Scenes no path reaches, and scenes from which no path reaches an ending."""
    reached = {story.start}
    stack = [story.start]
    while stack:
        for target in story.scenes[stack.pop()].targets():
            if target not in reached:
                reached.add(target)
                stack.append(target)
    incoming: dict[str, list[str]] = defaultdict(list)
    for scene in story.scenes.values():
        for target in scene.targets():
            incoming[target].append(scene.id)
    ends = {s.id for s in story.scenes.values() if isinstance(s.exit, Ending)}
    finishing = set(ends)
    stack = list(ends)
    while stack:
        for source in incoming[stack.pop()]:
            if source not in finishing:
                finishing.add(source)
                stack.append(source)
    found = []
    for scene in story.scenes.values():
        if scene.id not in reached:
            found.append(
                Diagnostic(
                    "warning",
                    "unreachable",
                    f"scene {scene.id!r} cannot be reached from the start",
                    scene.location,
                )
            )
        elif scene.id not in finishing:
            found.append(
                Diagnostic(
                    "error",
                    "no-exit",
                    f"no path from scene {scene.id!r} leads to an ending",
                    scene.location,
                )
            )
    return found


def _unused(story: Story) -> list[Diagnostic]:
    cited: set[str] = set()
    used_notes: set[str] = set()
    used_classes: set[str] = set()
    for scene in story.scenes.values():
        for fact in scene.facts:
            cited.update(fact.sources)
        for item in scene.explores:
            cited.update(item.sources)
        used_notes.update(scene.notes)
        exit_ = scene.exit
        if isinstance(exit_, Ending):
            cited.update(exit_.sources)
            used_classes.add(exit_.ending_class)
        elif not isinstance(exit_, Choices | Jump):
            cited.update(exit_.sources)
            for outcome in exit_.outcomes:
                cited.update(outcome.sources)
    for band in story.calibration:
        cited.update(band.sources)
    found = [
        Diagnostic(
            "warning", "unused-source", f"source {key!r} is not cited anywhere", source.location
        )
        for key, source in story.sources.items()
        if key not in cited
    ]
    for key in story.endings:
        if key not in used_classes:
            found.append(
                Diagnostic(
                    "warning",
                    "unused-ending-class",
                    f"no ending scene has class {key!r}",
                    Location("story.toml"),
                )
            )
    for key in story.content_notes:
        if key not in used_notes:
            found.append(
                Diagnostic(
                    "warning",
                    "unused-note",
                    f"content note {key!r} is not used by any scene",
                    Location("story.toml"),
                )
            )
    found += _unused_variables(story)
    return found


def _unused_variables(story: Story) -> list[Diagnostic]:
    """A variable nothing reads is either unused or only written: both are mistakes."""
    read: set[str] = set()
    for scene in story.scenes.values():
        for links in scene.links():
            read |= links.reads
            for effect in links.effects:
                read |= effect.reads
    return [
        Diagnostic(
            "warning",
            "unused-variable",
            f"variable {variable.name!r} is never read by any condition",
            Location("story.toml"),
        )
        for variable in story.variables
        if variable.name not in read
    ]
