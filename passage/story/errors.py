"""Diagnostics that authors see: every one names a file, a line and, where known, a column.

A story folder is untrusted input, so the compiler never lets a Python exception
escape: it collects :class:`Diagnostic` values and raises one :class:`StoryError`
that carries them all, so an author fixes a whole batch per run instead of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Diagnostic", "Location", "Severity", "StoryError"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a story file; ``line`` and ``column`` count from 1 (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file

    def shifted(self, columns: int) -> Location:
        """The same line, ``columns`` further right (for errors inside attribute values)."""
        return Location(self.file, self.line, max(self.column, 1) + columns)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a story, with a stable ``code`` tools can filter on."""

    severity: Severity
    code: str
    message: str
    location: Location

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.code}]"

    def as_json(self) -> dict[str, str | int]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
        }


class StoryError(Exception):
    """The story could not be compiled; ``diagnostics`` lists every error found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        shown = "\n".join(str(d) for d in errors[:20])
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in story:\n{shown}{more}")
