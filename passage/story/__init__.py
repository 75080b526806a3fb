"""Story format: reading a story folder into an immutable, validated :class:`Story`."""

from passage.story.compile import compile_story, compile_with_diagnostics
from passage.story.errors import Diagnostic, Location, StoryError
from passage.story.model import Story

__all__ = [
    "Diagnostic",
    "Location",
    "Story",
    "StoryError",
    "compile_story",
    "compile_with_diagnostics",
]
