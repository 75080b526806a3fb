"""Reading ``story.toml`` and ``sources.toml``: the story's declarations and bibliography.

TOML gives no line numbers for keys, so each diagnostic points at the line of the
table header or key it is about, found by a text search of the file.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from passage.story.errors import Diagnostic, Location
from passage.story.model import Calibration, EndingClass, Source, Variable, Waypoint

__all__ = [
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "StoryConfig",
    "load_config",
    "load_sources",
    "read_text",
]

FORMAT_VERSION = 1
MAX_FILE_BYTES = 8 * 1024 * 1024
KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(slots=True)
class StoryConfig:
    id: str = ""
    title: str = ""
    version: str = ""
    format: int = FORMAT_VERSION
    locale: str = "en"
    locales: tuple[str, ...] = ("en",)
    summary: str = ""
    start: str = ""
    start_location: Location = field(default_factory=lambda: Location("story.toml"))
    chapters: list[tuple[str, Location]] = field(default_factory=list)
    variables: list[Variable] = field(default_factory=list)
    variable_locations: dict[str, Location] = field(default_factory=dict)
    endings: dict[str, EndingClass] = field(default_factory=dict)
    ending_locations: dict[str, Location] = field(default_factory=dict)
    content_notes: dict[str, str] = field(default_factory=dict)
    waypoints: dict[str, Waypoint] = field(default_factory=dict)
    waypoint_locations: dict[str, Location] = field(default_factory=dict)
    calibration: list[Calibration] = field(default_factory=list)


def read_text(path: Path, name: str, diagnostics: list[Diagnostic]) -> str | None:
    """A story file's text, or None with a diagnostic when missing, huge or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diagnostics.append(
                Diagnostic(
                    "error",
                    "file-too-large",
                    f"{size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit for one file",
                    Location(name),
                )
            )
            return None
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        diagnostics.append(Diagnostic("error", "missing-file", "file not found", Location(name)))
    except UnicodeDecodeError as error:
        diagnostics.append(
            Diagnostic(
                "error",
                "encoding",
                f"not UTF-8 text ({error.reason} at byte {error.start})",
                Location(name),
            )
        )
    except OSError as error:
        diagnostics.append(
            Diagnostic("error", "unreadable", f"cannot read: {error.strerror}", Location(name))
        )
    return None


def toml_error(
    name: str, error: tomllib.TOMLDecodeError, text: str, line_offset: int = 0
) -> Diagnostic:
    """A TOML syntax error as a diagnostic at the line and column tomllib reports."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    if match:
        line, column = int(match.group(1)), int(match.group(2))
    else:  # "at end of document"
        line, column = max(1, len(text.splitlines())), 0
    message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
    return Diagnostic(
        "error", "toml", f"invalid TOML: {message}", Location(name, line + line_offset, column)
    )


def _parse_toml(text: str, name: str, diagnostics: list[Diagnostic]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        diagnostics.append(toml_error(name, error, text))
        return None


class _Finder:
    """Finds the line a table header or key is on, for diagnostics."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()

    def header(self, *parts: str, occurrence: int = 0) -> Location:
        """The ``occurrence``-th header (counting from 0, for arrays of tables)."""
        dotted = ".".join(parts)
        pattern = re.compile(
            r"^\s*\[+\s*" + re.escape(dotted).replace(r"\.", r"\s*\.\s*\"?") + r"\"?\s*\]"
        )
        return (
            self._find(pattern, occurrence)
            or self._find(re.compile(re.escape(parts[-1])))
            or Location(self.name)
        )

    def key(self, key: str) -> Location:
        return self._find(re.compile(r"^\s*" + re.escape(key) + r"\s*=")) or Location(self.name)

    def _find(self, pattern: re.Pattern[str], skip: int = 0) -> Location | None:
        for number, line in enumerate(self.lines, start=1):
            if pattern.search(line):
                if not skip:
                    return Location(self.name, number, 1)
                skip -= 1
        return None


def load_config(root: Path, diagnostics: list[Diagnostic]) -> StoryConfig | None:
    text = read_text(root / "story.toml", "story.toml", diagnostics)
    if text is None:
        return None
    data = _parse_toml(text, "story.toml", diagnostics)
    if data is None:
        return None
    return _Config(text, data, diagnostics).build()


class _Config:
    def __init__(self, text: str, data: dict[str, Any], diagnostics: list[Diagnostic]) -> None:
        self.data = data
        self.find = _Finder("story.toml", text)
        self.diagnostics = diagnostics

    def error(self, message: str, location: Location, code: str = "story-toml") -> None:
        self.diagnostics.append(Diagnostic("error", code, message, location))

    def string(
        self, table: dict[str, Any], key: str, location: Location, required: bool = True
    ) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.error(f"missing required key {key!r}", location)
            return ""
        if not isinstance(value, str):
            self.error(f"{key!r} must be a string, not {type(value).__name__}", location)
            return ""
        return value

    def build(self) -> StoryConfig:
        data, find = self.data, self.find
        config = StoryConfig()
        top = Location("story.toml", 1)
        fmt = data.get("format", FORMAT_VERSION)
        if not isinstance(fmt, int) or isinstance(fmt, bool) or fmt < 1:
            self.error("'format' must be a positive whole number", find.key("format"))
        elif fmt > FORMAT_VERSION:
            self.error(
                f"this story needs story format {fmt}, but this Passage reads format "
                f"{FORMAT_VERSION} at most; upgrade Passage",
                find.key("format"),
                "format-version",
            )
        else:
            config.format = fmt
        config.id = self.string(data, "id", top)
        if config.id and not KEY.match(config.id):
            self.error(
                f"story id {config.id!r} must use lower-case letters, digits and hyphens",
                find.key("id"),
            )
        config.title = self.string(data, "title", top)
        config.version = self.string(data, "version", top)
        config.summary = self.string(data, "summary", top, required=False).strip()
        config.locale = self.string(data, "locale", top, required=False) or "en"
        locales = data.get("locales", [config.locale])
        if not isinstance(locales, list) or not all(isinstance(x, str) for x in locales):
            self.error("'locales' must be a list of strings", find.key("locales"))
            locales = [config.locale]
        config.locales = tuple(locales)
        config.start = self.string(data, "start", top)
        config.start_location = find.key("start")
        chapters = data.get("chapters")
        if (
            not isinstance(chapters, list)
            or not chapters
            or not all(isinstance(c, str) for c in chapters)
        ):
            self.error(
                "'chapters' must be a non-empty list of chapter file paths", find.key("chapters")
            )
        else:
            config.chapters = [(c, find.key("chapters")) for c in chapters]
        self._variables(config)
        self._tables(config)
        return config

    def _table(self, key: str) -> dict[str, Any]:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self.error(f"'{key}' must be a table", self.find.key(key))
            return {}
        return value

    def _variables(self, config: StoryConfig) -> None:
        for name, spec in self._table("variables").items():
            location = self.find.header("variables", name)
            config.variable_locations[name] = location
            if not _IDENTIFIER.match(name):
                self.error(f"variable name {name!r} must be snake_case (a-z, 0-9, _)", location)
                continue
            if not isinstance(spec, dict):
                self.error(f"variable {name!r} must be a table", location)
                continue
            variable = self._variable(name, spec, location)
            if variable is not None:
                config.variables.append(variable)

    def _variable(self, name: str, spec: dict[str, Any], location: Location) -> Variable | None:
        kind = spec.get("type")
        initial = spec.get("initial")
        label = spec.get("label", "")
        label = label if isinstance(label, str) else ""
        if kind == "bool":
            if not isinstance(initial, bool):
                self.error(f"bool variable {name!r} needs initial = true or false", location)
                return None
            return Variable(name, "bool", initial, label=label)
        if kind == "int":
            low, high = spec.get("min"), spec.get("max")
            if not all(
                isinstance(x, int) and not isinstance(x, bool) for x in (initial, low, high)
            ):
                self.error(
                    f"int variable {name!r} needs whole-number initial, min and max", location
                )
                return None
            assert isinstance(low, int) and isinstance(high, int) and isinstance(initial, int)
            if not low <= initial <= high:
                self.error(
                    f"int variable {name!r} needs min <= initial <= max "
                    f"(got {low} <= {initial} <= {high})",
                    location,
                )
                return None
            if high - low > 10_000:
                self.error(
                    f"int variable {name!r} has a range of {high - low + 1:,} values; "
                    "keep it under 10,001",
                    location,
                )
                return None
            return Variable(name, "int", initial, low, high, label=label)
        if kind == "enum":
            values = spec.get("values")
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and v for v in values)
                or len(set(values)) != len(values)
            ):
                self.error(
                    f"enum variable {name!r} needs values = a list of distinct words", location
                )
                return None
            if initial not in values:
                self.error(
                    f"enum variable {name!r}: initial {initial!r} is not one of its values",
                    location,
                )
                return None
            return Variable(name, "enum", str(initial), values=tuple(values), label=label)
        self.error(f"variable {name!r} has type {kind!r}; use 'int', 'bool' or 'enum'", location)
        return None

    def _tables(self, config: StoryConfig) -> None:
        for key, spec in self._table("endings").items():
            location = self.find.header("endings", key)
            config.ending_locations[key] = location
            if not KEY.match(key) or not isinstance(spec, dict):
                self.error(f"ending class {key!r} must be a lower-case key with a table", location)
                continue
            config.endings[key] = EndingClass(
                key,
                self.string(spec, "title", location),
                self.string(spec, "description", location, False),
            )
        for key, wording in self._table("content_notes").items():
            if not isinstance(wording, str):
                self.error(f"content note {key!r} must be a string", self.find.key(key))
                continue
            config.content_notes[key] = wording
        for key, spec in self._table("waypoints").items():
            location = self.find.header("waypoints", key)
            config.waypoint_locations[key] = location
            if not isinstance(spec, dict):
                self.error(f"waypoint {key!r} must be a table", location)
                continue
            lon, lat = spec.get("lon"), spec.get("lat")
            if not all(
                isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
                for x in (lon, lat)
            ):
                self.error(f"waypoint {key!r} needs numeric lon and lat", location)
                continue
            assert isinstance(lon, int | float) and isinstance(lat, int | float)
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                self.error(f"waypoint {key!r}: lon/lat out of range", location)
                continue
            config.waypoints[key] = Waypoint(
                key,
                self.string(spec, "name", location),
                self.string(spec, "country", location, False),
                float(lon),
                float(lat),
            )
        bands = self.data.get("calibration", [])
        if not isinstance(bands, list):
            self.error(
                "'calibration' must be an array of tables ([[calibration]])",
                self.find.key("calibration"),
            )
            bands = []
        for index, band in enumerate(bands):
            self._calibration(band, config, index)

    def _calibration(self, band: object, config: StoryConfig, index: int) -> None:
        location = self.find.header("calibration", occurrence=index)
        if not isinstance(band, dict):
            self.error("each [[calibration]] entry must be a table", location)
            return
        low, high = band.get("min"), band.get("max")
        sources = band.get("sources", [])
        klass = self.string(band, "class", location)
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (low, high)):
            self.error(f"calibration for {klass!r} needs numeric min and max", location)
            return
        assert isinstance(low, int | float) and isinstance(high, int | float)
        if not 0 <= low <= high <= 1:
            self.error(f"calibration for {klass!r} needs 0 <= min <= max <= 1", location)
            return
        if (
            not isinstance(sources, list)
            or not sources
            or not all(isinstance(s, str) for s in sources)
        ):
            self.error(f"calibration for {klass!r} needs sources = a list of source keys", location)
            return
        config.calibration.append(
            Calibration(klass, float(low), float(high), tuple(sources), location)
        )


def load_sources(root: Path, diagnostics: list[Diagnostic]) -> dict[str, Source]:
    text = read_text(root / "sources.toml", "sources.toml", diagnostics)
    if text is None:
        return {}
    data = _parse_toml(text, "sources.toml", diagnostics)
    if data is None:
        return {}
    find = _Finder("sources.toml", text)
    sources: dict[str, Source] = {}
    for key, entry in data.items():
        location = find.header(key)
        if not KEY.match(key) or not isinstance(entry, dict):
            diagnostics.append(
                Diagnostic(
                    "error",
                    "sources-toml",
                    f"source {key!r} must be a lower-case key with a table",
                    location,
                )
            )
            continue
        fields: dict[str, str] = {}
        for name in ("publisher", "title", "date", "url", "note"):
            value = entry.get(name, "")
            if not isinstance(value, str):
                diagnostics.append(
                    Diagnostic(
                        "error",
                        "sources-toml",
                        f"source {key!r}: {name!r} must be a string",
                        location,
                    )
                )
                value = ""
            fields[name] = value.strip()
        for name in ("publisher", "title", "date"):
            if not fields[name]:
                diagnostics.append(
                    Diagnostic("error", "sources-toml", f"source {key!r} needs {name!r}", location)
                )
        url = fields["url"]
        if url and not url.startswith(("https://", "http://")):
            diagnostics.append(
                Diagnostic(
                    "error",
                    "sources-toml",
                    f"source {key!r}: url must start with https:// or http://",
                    location,
                )
            )
            fields["url"] = ""
        sources[key] = Source(
            key,
            fields["publisher"],
            fields["title"],
            fields["date"],
            fields["url"],
            fields["note"],
            location,
        )
    return sources
