"""Story folder -> immutable :class:`Story`: the one entry point every tool uses.

Compilation collects every problem it finds (with file:line:column) and raises a
single :class:`StoryError` listing them; it never lets a Python exception from
untrusted input escape.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import MappingProxyType

from passage.story.chapter import DraftChapter, read_chapter
from passage.story.config import KEY, StoryConfig, load_config, load_sources, read_text
from passage.story.errors import Diagnostic, Location, StoryError
from passage.story.expressions import Scope, VariableType
from passage.story.model import Chapter, Scene, Story, Variable
from passage.story.scene import SceneBuilder

__all__ = ["compile_story"]

MAX_SCENES = 100_000


def compile_story(directory: str | Path) -> Story:
    """Compile a story folder; raise :class:`StoryError` listing every error found."""
    story, diagnostics = compile_with_diagnostics(directory)
    if story is None:
        raise StoryError(diagnostics)
    return story


def compile_with_diagnostics(directory: str | Path) -> tuple[Story | None, list[Diagnostic]]:
    """Compile and return the story (None on errors) with every diagnostic, warnings included."""
    root = Path(directory)
    diagnostics: list[Diagnostic] = []
    if not root.is_dir():
        diagnostics.append(Diagnostic("error", "not-a-story", "not a folder", Location(str(root))))
        return None, diagnostics
    config = load_config(root, diagnostics)
    sources = load_sources(root, diagnostics)
    if config is None:
        return None, diagnostics
    chapters = _read_chapters(root, config, diagnostics)
    scene_ids = _scene_ids(chapters, diagnostics)
    scope = Scope(
        variables={v.name: _variable_type(i, v) for i, v in enumerate(config.variables)},
        scenes=frozenset(scene_ids),
        tracked={},
    )
    builder = SceneBuilder(root, config, sources, scope, diagnostics)
    scenes: dict[str, Scene] = {}
    compiled_chapters: list[Chapter] = []
    for number, chapter in enumerate(chapters, start=1):
        meta = _chapter_meta(chapter, config, diagnostics)
        if meta is None:
            continue
        chapter_id, title, waypoint = meta
        for draft in chapter.scenes:
            if draft.id and draft.id not in scenes:
                scenes[draft.id] = builder.build(draft, chapter.file, chapter_id, waypoint)
        first = chapter.scenes[0].id if chapter.scenes else ""
        compiled_chapters.append(Chapter(chapter_id, title, number, chapter.file, waypoint, first))
    _check_chapter_ids(compiled_chapters, diagnostics)
    if config.start and config.start not in scene_ids:
        diagnostics.append(
            Diagnostic(
                "error",
                "start",
                f"start scene {config.start!r} does not exist",
                config.start_location,
            )
        )
    for calibration in config.calibration:
        if calibration.ending_class not in config.endings:
            diagnostics.append(
                Diagnostic(
                    "error",
                    "calibration",
                    f"calibration names unknown ending class {calibration.ending_class!r}",
                    calibration.location,
                )
            )
        for key in calibration.sources:
            if key not in sources:
                diagnostics.append(
                    Diagnostic(
                        "error",
                        "unknown-source",
                        f"calibration cites unknown source {key!r}",
                        calibration.location,
                    )
                )
    if any(d.severity == "error" for d in diagnostics):
        return None, diagnostics
    tracked = tuple(sorted(scope.tracked, key=scope.tracked.__getitem__))
    story = Story(
        id=config.id,
        title=config.title,
        version=config.version,
        format=config.format,
        locale=config.locale,
        locales=config.locales,
        summary=config.summary,
        start=config.start,
        root=str(root.resolve()),
        variables=tuple(config.variables),
        endings=MappingProxyType(dict(config.endings)),
        content_notes=MappingProxyType(dict(config.content_notes)),
        waypoints=MappingProxyType(dict(config.waypoints)),
        chapters=tuple(compiled_chapters),
        sources=MappingProxyType(dict(sources)),
        scenes=MappingProxyType(scenes),
        tracked_scenes=tracked,
        calibration=tuple(config.calibration),
        schema=_schema(config, tracked),
        tracked_slot=MappingProxyType({scene: i for i, scene in enumerate(tracked)}),
        chapter_by_scene=MappingProxyType(
            {
                s.id: chapter
                for chapter in compiled_chapters
                for s in scenes.values()
                if s.chapter == chapter.id
            }
        ),
    )
    return story, diagnostics


def _variable_type(index: int, variable: Variable) -> VariableType:
    return VariableType(index, variable.kind, variable.minimum, variable.maximum, variable.values)


def _read_chapters(
    root: Path, config: StoryConfig, diagnostics: list[Diagnostic]
) -> list[DraftChapter]:
    chapters: list[DraftChapter] = []
    resolved_root = root.resolve()
    for name, location in config.chapters:
        path = (root / name).resolve()
        if not path.is_relative_to(resolved_root) or not name.endswith(".md"):
            diagnostics.append(
                Diagnostic(
                    "error",
                    "chapter-path",
                    f"chapter {name!r} must be a .md file inside the story folder",
                    location,
                )
            )
            continue
        text = read_text(path, name, diagnostics)
        if text is not None:
            chapters.append(read_chapter(name, text, diagnostics))
    return chapters


def _scene_ids(chapters: list[DraftChapter], diagnostics: list[Diagnostic]) -> set[str]:
    seen: dict[str, Location] = {}
    for chapter in chapters:
        for draft in chapter.scenes:
            if not draft.id:
                continue
            if not KEY.match(draft.id):
                diagnostics.append(
                    Diagnostic(
                        "error",
                        "scene-id",
                        f"scene id {draft.id!r} must use lower-case letters, digits and hyphens",
                        draft.location,
                    )
                )
            if draft.id in seen:
                diagnostics.append(
                    Diagnostic(
                        "error",
                        "duplicate-id",
                        f"scene id {draft.id!r} is already used at {seen[draft.id]}",
                        draft.location,
                    )
                )
            else:
                seen[draft.id] = draft.location
    if len(seen) > MAX_SCENES:
        diagnostics.append(
            Diagnostic(
                "error",
                "too-many-scenes",
                f"{len(seen):,} scenes is over the limit of {MAX_SCENES:,}",
                Location("story.toml"),
            )
        )
    return set(seen)


def _chapter_meta(
    chapter: DraftChapter, config: StoryConfig, diagnostics: list[Diagnostic]
) -> tuple[str, str, str] | None:
    meta, location = chapter.meta, chapter.meta_location
    chapter_id, title, waypoint = meta.get("id"), meta.get("title"), meta.get("waypoint")
    problems = []
    if not isinstance(chapter_id, str) or not KEY.match(chapter_id):
        problems.append("'id' (lower-case letters, digits, hyphens)")
    if not isinstance(title, str) or not title:
        problems.append("'title'")
    if not isinstance(waypoint, str) or waypoint not in config.waypoints:
        known = ", ".join(sorted(config.waypoints)) or "none declared"
        problems.append(f"'waypoint' naming a waypoint from story.toml (known: {known})")
    if problems:
        diagnostics.append(
            Diagnostic(
                "error", "front-matter", "front matter needs " + "; ".join(problems), location
            )
        )
        return None
    if not chapter.scenes:
        diagnostics.append(Diagnostic("error", "empty-chapter", "chapter has no scenes", location))
        return None
    assert isinstance(chapter_id, str) and isinstance(title, str) and isinstance(waypoint, str)
    return chapter_id, title, waypoint


def _check_chapter_ids(chapters: list[Chapter], diagnostics: list[Diagnostic]) -> None:
    seen: set[str] = set()
    for chapter in chapters:
        if chapter.id in seen:
            diagnostics.append(
                Diagnostic(
                    "error",
                    "duplicate-id",
                    f"chapter id {chapter.id!r} is used twice",
                    Location(chapter.file, 1),
                )
            )
        seen.add(chapter.id)


def _schema(config: StoryConfig, tracked: tuple[str, ...]) -> bytes:
    """Fingerprint of the state layout: tokens from a story with another layout can't decode."""
    parts = [repr((v.name, v.kind, v.minimum, v.maximum, v.values)) for v in config.variables]
    parts.append(repr(tracked))
    parts.append(repr(sorted(config.waypoints)))
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=4).digest()
