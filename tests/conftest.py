"""Shared fixtures: the example story, and small throw-away stories written from strings."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from passage.story import Story, compile_story

# Timing is never part of a test here (the machines are shared and noisy), so fuzz
# tests have no deadline; in CI the examples are derived from the test, for repeatable runs.
settings.register_profile("passage", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("passage")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "stories" / "example"
ESCAPE = ROOT / "stories" / "escape"

BASE_TOML = """\
format = 1
id = "tiny"
title = "Tiny"
version = "1"
start = "a"
chapters = ["chapters/one.md"]

[variables.money]
type = "int"
initial = 1
min = 0
max = 3

[variables.flag]
type = "bool"
initial = false

[variables.who]
type = "enum"
values = ["nobody", "sister"]
initial = "nobody"

[endings.done]
title = "Done"
[endings.other]
title = "Other"

[content_notes]
violence = "Violence."

[waypoints.home]
name = "Home"
lon = 129.0
lat = 41.0
"""

BASE_SOURCES = """\
[src]
publisher = "Publisher"
title = "Title"
date = "2024"
url = "https://example.org/"
"""

FRONT = '+++\nid = "one"\ntitle = "One"\nwaypoint = "home"\n+++\n\n'

StoryWriter = Callable[..., Path]


@pytest.fixture(scope="session")
def example() -> Story:
    return compile_story(EXAMPLE)


@pytest.fixture
def write_story(tmp_path: Path) -> StoryWriter:
    """Write a one-chapter story; ``chapter`` is the body after the standard front matter."""

    def write(
        chapter: str, toml: str = BASE_TOML, sources: str = BASE_SOURCES, front: str = FRONT
    ) -> Path:
        (tmp_path / "chapters").mkdir(exist_ok=True)
        (tmp_path / "story.toml").write_text(toml, encoding="utf-8")
        (tmp_path / "sources.toml").write_text(sources, encoding="utf-8")
        (tmp_path / "chapters" / "one.md").write_text(front + chapter, encoding="utf-8")
        return tmp_path

    return write
