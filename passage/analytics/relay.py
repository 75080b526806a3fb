"""Step events from the web workers to one writer process, off the workers' CPU.

A writer thread inside each web worker competes with the requests for the
interpreter lock and the processor caches: on the flagship a step cost about
60 µs more with that thread than with a sink that only keeps the event
(docs/performance.md). So ``passage serve`` starts one writer process
(:func:`run_writer`: the :class:`~passage.analytics.writer.BackgroundSink`,
with its batching, journal and replays) and the workers only relay:
:meth:`RelaySink.record` appends the event to a list, and every ``batch``
events or ``interval`` seconds the list goes to the writer as one datagram on a
Unix socket in a private directory (one ``json.dumps`` call).

Nothing accepted is lost on the way: while the writer is busy (its queue full) a
worker keeps up to MAX_BACKLOG events and tries again; a datagram the writer
cannot take at all (not running, the socket gone) is appended to the worker's own
journal, which is released when the writer answers again (or at close, or every
``release`` seconds) so the writer replays it as an orphan. As with a writer
thread, events still in a process's memory when that process is killed are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from passage.analytics.events import StepEvent
from passage.analytics.journal import Journal, JournalLineError, check_fields

__all__ = ["MAX_BACKLOG", "MAX_DATAGRAM", "RELAY_FORMAT", "RelaySink", "decode_datagram",
           "encode_datagram", "receive_into"]

RELAY_FORMAT = 1
# Several datagrams must fit in a sender's socket buffer (Linux: ~208 KiB by default) at
# once, or a worker would find the writer "busy" whenever it is reading the previous one.
MAX_DATAGRAM = 64_000
MAX_BACKLOG = 20_000  # events kept in memory while the writer is busy, before journaling

_log = logging.getLogger("passage.analytics")


def encode_datagram(events: Sequence[StepEvent]) -> bytes:
    """``[format, [fields but the hour...], [hour as Unix seconds...]]`` as JSON."""
    hours: list[int] = []
    last: datetime | None = None
    seconds = 0
    for event in events:
        if event.hour is not last:  # events of one hour share the object (current_hour)
            last = event.hour
            seconds = int(last.timestamp())
        hours.append(seconds)
    rows = [event[:-1] for event in events]
    return json.dumps([RELAY_FORMAT, rows, hours], ensure_ascii=False,
                      separators=(",", ":")).encode()


def decode_datagram(data: bytes) -> list[StepEvent]:
    """The events in one datagram; raises only :class:`JournalLineError` (the whole
    datagram is refused: it came from a worker of another version, or not from one)."""
    try:
        message = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise JournalLineError(f"not JSON ({type(error).__name__})") from None
    if not (isinstance(message, list) and len(message) == 3 and message[0] == RELAY_FORMAT
            and isinstance(message[1], list) and isinstance(message[2], list)
            and len(message[1]) == len(message[2])):
        raise JournalLineError("not a relay datagram of format 1")
    events = []
    hours: dict[int, datetime] = {}  # a datagram's events nearly all share one hour
    for fields, hour in zip(message[1], message[2], strict=True):
        if not isinstance(fields, list):
            raise JournalLineError("an event is not a list")
        check_fields(fields)
        when = hours.get(hour) if type(hour) is int else None
        if when is None:
            when = hours[hour] = _hour(hour)
        fields.append(when)
        events.append(StepEvent._make(fields))
    return events


def _hour(seconds: object) -> datetime:
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds % 3600:
        raise JournalLineError("an hour is not a whole hour in Unix seconds")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise JournalLineError("an hour is out of range") from None


class RelaySink:
    """An :class:`~passage.analytics.events.EventSink` for a web worker: events go to the
    writer process in batches. Call from the event loop's thread (or any thread, at a
    little more cost: a batch is then sent at once when it fills or :meth:`flush` runs)."""

    def __init__(self, address: Path, journal_dir: Path, *, batch: int = 250,
                 interval: float = 0.25, release: float = 10.0) -> None:
        self.address = str(address)
        self.journal_dir = journal_dir
        self._batch = batch
        self._interval = interval
        self._release = release
        self._events: list[StepEvent] = []
        self._lock = threading.Lock()  # the list: record() and flush() may be on two threads
        self._sending = threading.Lock()  # the socket and the journal
        self._timer: asyncio.TimerHandle | None = None
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._backlog: list[StepEvent] = []  # the writer was busy: sent before anything newer
        self._journal: Journal | None = None  # open while the writer does not answer
        self._journal_opened = 0.0
        self._closed = False
        self.sent = 0  # events handed to the writer
        self.journaled = 0  # events the writer could not take, kept in the journal

    def record(self, event: StepEvent) -> None:
        """Keep the event for the next datagram; returns at once and never raises."""
        try:
            with self._lock:
                events = self._events
                events.append(event)
                full = len(events) >= self._batch or self._closed
            if full:
                self.flush()
            elif self._timer is None:
                self._schedule()
        except Exception:  # a reader must never see a statistics problem
            _log.exception("analytics: could not relay an event")

    def flush(self) -> None:
        """Send what is kept now. What the writer can't take yet (its queue is full) is
        kept for the next try; what it can't take at all goes to the journal."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            events, self._events = self._events, []
        with self._sending:
            events, self._backlog = self._backlog + events, []
            if events:
                self._send(events)
            if self._closed:
                self._release_journal()
        if self._backlog and self._timer is None:
            self._schedule()

    def close(self, patience: float = 5.0) -> None:
        """Send what is left (waiting up to ``patience`` seconds for a busy writer), then
        release the journal; events recorded later go to the journal."""
        self._closed = True
        self.flush()
        deadline = time.monotonic() + patience
        while self._backlog and time.monotonic() < deadline:
            time.sleep(0.01)
            self.flush()
        with self._sending:
            if self._backlog:
                self._keep(self._backlog, BlockingIOError("the writer stayed busy"))
                self._backlog = []
            self._release_journal()
            self._socket.close()

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop in this thread: the batch goes when it fills or on flush()
        self._timer = loop.call_later(self._interval, self.flush)

    def _send(self, events: list[StepEvent]) -> None:
        done = 0
        datagrams = _datagrams(events, self._batch)
        while True:
            try:
                count, data = next(datagrams)
            except StopIteration:
                return
            except (ValueError, TypeError) as error:  # not events: keep them where people look
                self._keep(events[done:], error)
                return
            try:
                self._socket.sendto(data, self.address)
            except BlockingIOError as error:  # the writer's queue is full: again soon
                rest = events[done:]
                if len(rest) > MAX_BACKLOG:
                    self._keep(rest, error)
                else:
                    self._backlog = rest
                return
            except OSError as error:  # no writer listening (stopped, restarting)
                self._keep(events[done:], error)
                return
            done += count
            self.sent += count
            if self._journal is not None:  # the writer is back: it may replay what waited
                _log.warning("analytics: the writer process answers again; it will replay "
                             "the journal (%d events journaled so far)", self.journaled)
                self._release_journal()

    def _keep(self, events: list[StepEvent], error: BaseException) -> None:
        """Journal what the writer did not take; the file is released (so the writer
        replays it) when the writer answers again, at close, or every ``release`` s."""
        if self._journal is None:
            _log.warning("analytics: the writer process does not take events (%s); "
                         "journaling them for it to replay", error)
            self._journal = Journal(self.journal_dir)
            self._journal_opened = time.monotonic()
        try:
            self._journal.append(events)
            self.journaled += len(events)
        except Exception:
            _log.exception("analytics: lost %d events (writer and journal both failed)",
                           len(events))
        if self._closed or time.monotonic() - self._journal_opened >= self._release:
            self._release_journal()

    def _release_journal(self) -> None:
        if self._journal is not None:
            self._journal.close()  # unlocked: the writer replays it as an orphan
            self._journal = None


def _datagrams(events: list[StepEvent], batch: int) -> Iterator[tuple[int, bytes]]:
    """``(event count, payload)`` of at most ``batch`` events and MAX_DATAGRAM bytes each
    (a chunk too large is halved until it fits; one event alone is sent as it is).
    Lazily: when the writer is busy, what follows is not encoded for nothing."""
    for start in range(0, len(events), batch):
        chunks = [events[start:start + batch]]
        while chunks:
            chunk = chunks.pop(0)
            data = encode_datagram(chunk)
            if len(data) > MAX_DATAGRAM and len(chunk) > 1:
                middle = len(chunk) // 2
                chunks[:0] = [chunk[:middle], chunk[middle:]]
                continue
            yield len(chunk), data


def receive_into(address: Path, record: Callable[[StepEvent], None],
                 stop: threading.Event, *, poll: float = 0.2) -> None:
    """Bind ``address`` (a Unix datagram socket, mode 0600) and pass every relayed event
    to ``record`` until ``stop`` is set; then take what is still queued and return."""
    with contextlib.suppress(FileNotFoundError):
        address.unlink()
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        old_umask = os.umask(0o177)
        try:
            receiver.bind(str(address))
        finally:
            os.umask(old_umask)
        receiver.settimeout(poll)
        while not stop.is_set():  # looked at after every datagram, busy or not
            try:
                data = receiver.recv(MAX_DATAGRAM + 1)
            except TimeoutError:
                continue
            _take(data, record)
        receiver.setblocking(False)
        while True:  # what the workers sent before they stopped
            try:
                data = receiver.recv(MAX_DATAGRAM + 1)
            except BlockingIOError:
                break
            _take(data, record)
    finally:
        receiver.close()
        with contextlib.suppress(FileNotFoundError):
            address.unlink()


def _take(data: bytes, record: Callable[[StepEvent], None]) -> None:
    try:
        events = decode_datagram(data)
    except JournalLineError as error:
        _log.error("analytics: refused a datagram of %d bytes on the relay socket (%s)",
                   len(data), error)
        return
    for event in events:
        record(event)
