"""What every sub-command shares: loading a story with friendly errors."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from passage.story import Story, StoryError, compile_story

__all__ = ["DEFAULT_STORY", "CommandError", "load_story"]

DEFAULT_STORY = Path(__file__).resolve().parents[2] / "stories" / "escape"


class CommandError(Exception):
    """A problem to report to the user in one line, with exit status ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def load_story(directory: str | None, console: Console) -> Story:
    """Compile the story, printing every error with file:line when it fails."""
    path = Path(directory) if directory else DEFAULT_STORY
    try:
        return compile_story(path)
    except StoryError as error:
        for diagnostic in error.diagnostics:
            if diagnostic.severity == "error":
                console.print(f"{path}/{diagnostic}", markup=False, highlight=False)
        raise CommandError(f"{path}: the story has errors; run 'passage check {path}'", 1) from None
