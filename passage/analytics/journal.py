"""The local journal: where events wait while the database cannot take them.

One JSON object per line, appended and fsynced per batch, so an event the writer
has journaled survives a crash of the process or the machine. Each process owns
its own file (held with ``flock``); a file whose lock can be taken belongs to a
process that died, and any live writer replays it. Replay is idempotent because
the database drops ``(journey_id, step)`` it already has, so a crash between
"stored" and "truncated" costs nothing but a second replay.

Reading never trusts the file: a torn last line (a crash mid-write) or any line
that is not an event is reported with its line number and skipped, and the rest
is replayed.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from passage.analytics.events import StepEvent

__all__ = [
    "FORMAT",
    "Journal",
    "JournalLineError",
    "JournalRead",
    "check_fields",
    "decode_event",
    "encode_event",
    "iter_journal",
    "read_journal",
]

FORMAT = 1
_log = logging.getLogger("passage.analytics")
_TEXT = ("story_id", "story_version", "journey_id", "scene", "arrived", "locale")
_OPTIONAL = ("choice", "outcome", "ending_class")
_TEXT_AT = tuple(StepEvent._fields.index(name) for name in sorted(
    _TEXT, key=StepEvent._fields.index))  # in field order: the first bad one is named
_OPTIONAL_AT = tuple(StepEvent._fields.index(name) for name in _OPTIONAL)
_ALL_STR = [str] * len(_TEXT_AT)


class JournalLineError(ValueError):
    """A journal line that is not an event (the message says why)."""


def encode_event(event: StepEvent) -> bytes:
    """One journal line, newline included."""
    record: dict[str, Any] = {"v": FORMAT}
    for name in (*_TEXT, *_OPTIONAL):
        record[name] = getattr(event, name)
    record["step"] = event.step
    record["hour"] = event.hour.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode_event(line: bytes) -> StepEvent:
    """The event on one line (without its newline); raises only :class:`JournalLineError`."""
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise JournalLineError(f"not JSON ({type(error).__name__})") from None
    if not isinstance(record, dict):
        raise JournalLineError("not a JSON object")
    if record.get("v") != FORMAT:
        raise JournalLineError(f"unknown journal format {record.get('v')!r}")
    fields = [record.get(name) for name in StepEvent._fields[:-1]]
    check_fields(fields)
    hour = record.get("hour")
    try:
        when = datetime.strptime(hour, "%Y-%m-%dT%H:%M:%SZ") if isinstance(hour, str) else None
    except ValueError:
        when = None
    if when is None or when.minute or when.second:
        raise JournalLineError("'hour' missing or not YYYY-MM-DDTHH:00:00Z")
    return StepEvent._make([*fields, when.replace(tzinfo=UTC)])


def check_fields(fields: Sequence[object]) -> None:
    """Raise :class:`JournalLineError` unless ``fields`` are StepEvent's fields but the
    hour, in order, each of its type. Everything that reads events from outside the
    process (the journal, the writer's relay) checks them here."""
    if len(fields) != len(StepEvent._fields) - 1:
        raise JournalLineError(f"{len(fields)} fields, not {len(StepEvent._fields) - 1}")
    # The writer checks every relayed event: the common case is one pass of type() tests.
    if [type(fields[i]) for i in _TEXT_AT] != _ALL_STR:
        bad = next(i for i in _TEXT_AT if not isinstance(fields[i], str))
        raise JournalLineError(f"{StepEvent._fields[bad]!r} missing or not a string")
    for i in _OPTIONAL_AT:
        if fields[i] is not None and not isinstance(fields[i], str):
            raise JournalLineError(f"{StepEvent._fields[i]!r} is not a string or null")
    step = fields[3]
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step < 2**31:
        raise JournalLineError("'step' missing or not a non-negative integer")


@dataclass(slots=True)
class JournalRead:
    events: list[StepEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "line N: why", already logged
    torn: bool = False


def iter_journal(
    stream: IO[bytes], name: str, result: JournalRead | None = None
) -> Iterator[StepEvent]:
    """The events in a journal stream, logging and skipping what is not an event.

    A last line without its newline is a write the crash interrupted: "torn"."""
    result = result if result is not None else JournalRead()
    for number, line in enumerate(stream, start=1):
        if not line.endswith(b"\n"):
            result.torn = True
            _problem(
                result,
                name,
                f"line {number}: torn last line ({len(line)} bytes, "
                "no newline: an interrupted write); skipped",
            )
            return
        if not line.strip():
            continue
        try:
            yield decode_event(line[:-1])
        except JournalLineError as error:
            _problem(result, name, f"line {number}: {error}; skipped")


def read_journal(data: bytes, name: str = "journal") -> JournalRead:
    """Every event in a journal's bytes, with the problems found (for tests and tools)."""
    result = JournalRead()
    result.events = list(iter_journal(io.BytesIO(data), name, result))
    return result


def _problem(result: JournalRead, name: str, message: str) -> None:
    result.problems.append(message)
    _log.warning("analytics journal %s: %s", name, message)


class Journal:
    """This process's journal file, and the orphaned files of dead processes beside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._path: Path | None = None
        self._fd: int | None = None
        self._size = 0
        self._lock = threading.Lock()  # append may come from a late record() after close

    @property
    def size(self) -> int:
        """Bytes waiting in this process's own file."""
        return self._size

    def append(self, events: Sequence[StepEvent]) -> None:
        """Append and fsync; on failure nothing partial stays behind (raises OSError)."""
        data = b"".join(encode_event(e) for e in events)
        with self._lock:
            fd = self._open()
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, self._size)
                raise
            self._size += len(data)

    def orphans(self) -> list[Path]:
        """Journal files of other processes (some may still be alive and locked)."""
        try:
            paths = sorted(self.directory.glob("*.jsonl"))
        except OSError:
            return []
        return [p for p in paths if p != self._path]

    def has_work(self) -> bool:
        return self._size > 0 or any(_nonempty(p) for p in self.orphans())

    def replay(self, write: Callable[[list[StepEvent]], object], batch_size: int) -> int:
        """Write every journaled event through ``write`` and empty the journals that
        were fully written. An exception from ``write`` leaves the files in place."""
        replayed = 0
        with self._lock:
            if self._fd is not None and self._size:
                os.lseek(self._fd, 0, os.SEEK_SET)
                with open(os.dup(self._fd), "rb", closefd=True) as stream:  # noqa: PTH123
                    replayed += _feed(iter_journal(stream, str(self._path)), write, batch_size)
                os.ftruncate(self._fd, 0)
                os.fsync(self._fd)
                self._size = 0
        for path in self.orphans():
            replayed += _replay_orphan(path, write, batch_size)
        return replayed

    def close(self) -> None:
        """Release the file; an empty one is removed, a non-empty one waits for a replay."""
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is None:
                return
            if self._size == 0 and self._path is not None:
                with contextlib.suppress(OSError):
                    self._path.unlink()
            os.close(fd)

    def _open(self) -> int:
        if self._fd is not None:
            return self._fd
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _fsync_dir(self.directory)
        self._path, self._fd, self._size = path, fd, 0
        return fd


def _feed(
    events: Iterable[StepEvent], write: Callable[[list[StepEvent]], object], batch_size: int
) -> int:
    count, batch = 0, []
    for event in events:
        batch.append(event)
        if len(batch) >= batch_size:
            write(batch)
            count, batch = count + len(batch), []
    if batch:
        write(batch)
        count += len(batch)
    return count


def _replay_orphan(path: Path, write: Callable[[list[StepEvent]], object], batch_size: int) -> int:
    try:
        stream = path.open("rb")
    except OSError:
        return 0  # gone already: another writer replayed it
    with stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # its process is alive and will replay it itself
        if os.fstat(stream.fileno()).st_nlink == 0:
            return 0  # replayed and removed while we waited for the lock
        count = _feed(iter_journal(stream, str(path)), write, batch_size)
        path.unlink()
        _fsync_dir(path.parent)
        if count:
            _log.info(
                "analytics journal %s: replayed %d events from a previous process", path, count
            )
        return count


def _nonempty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
