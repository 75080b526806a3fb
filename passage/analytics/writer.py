"""The write path, off the request path: a background thread with batched writes.

``record()`` appends to an in-memory queue and returns: no lock, no I/O, nothing
that can raise at a player. One writer thread per process takes the queue in
batches (every ``interval`` seconds, or sooner when a batch fills) and writes
each batch in one transaction. Batches are large on purpose: a transaction costs
about a millisecond of CPU whatever its size, so at 500 steps/s per worker a
batch every 50 ms would spend 2 to 3 times more CPU per event than one a second
(measured in docs/performance.md), CPU the same process's requests are waiting for.

When the database cannot take a batch (down, read-only, locked, timed out) the
batch is appended to the local journal and fsynced instead, and the writer retries
the database with a growing back-off; when it answers, the journal is replayed
first. Replays are idempotent, so no accepted event is lost and none is stored
twice. ``close()`` drains the queue (to the database, or to the journal) before
it returns.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from passage.analytics.events import StepEvent
from passage.analytics.journal import Journal, encode_event
from passage.analytics.migrations import SchemaError
from passage.analytics.store import Store, StoreUnavailableError

__all__ = ["BackgroundSink", "SinkCounters"]

_log = logging.getLogger("passage.analytics")


@dataclass(slots=True)
class SinkCounters:
    """What the writer did, for tests, benchmarks and the shutdown log line."""

    stored: int = 0  # new rows written to the database (directly or by replay)
    duplicates: int = 0  # events the database already had (a replay after an unknown commit)
    journaled: int = 0  # events appended to the journal
    replayed: int = 0  # journaled events written back to the database
    failures: int = 0  # database attempts that failed
    rejected: int = 0  # events the database refused as data (kept in rejected.txt, not lost)


class BackgroundSink:
    """An :class:`~passage.analytics.events.EventSink` backed by a store and a journal."""

    def __init__(
        self,
        open_store: Callable[[], Store],
        journal_dir: Path,
        *,
        batch_size: int = 1000,
        interval: float = 1.0,
        retry: float = 0.5,
        max_retry: float = 10.0,
        orphan_check: float = 30.0,
    ) -> None:
        self._open_store = open_store
        self._store: Store | None = None
        self.journal = Journal(journal_dir)
        self._rejected_path = journal_dir / "rejected.txt"
        self.counters = SinkCounters()
        self._batch_size = batch_size
        self._interval = interval
        self._retry, self._max_retry = retry, max_retry
        self._backoff = retry
        self._retry_at = 0.0
        self._orphan_check, self._orphans_at = orphan_check, 0.0
        self._orphans = False
        self._queue: deque[StepEvent] = deque()
        self._held: list[StepEvent] = []  # a batch neither the database nor the disk took
        self._accepted = itertools.count(1)  # next() is atomic under the GIL
        self._last_accepted = 0
        self._handled = 0
        self._done = threading.Condition()
        self._wake = threading.Event()
        self._stopping = False
        self._closed = False
        self._warned_at = -1e9
        self._thread = threading.Thread(
            target=self._run, name="passage-analytics-writer", daemon=True
        )
        self._thread.start()
        atexit.register(self.close)

    # -- the request side ----------------------------------------------------------
    def record(self, event: StepEvent) -> None:
        """Queue one event; returns at once and never raises."""
        try:
            if self._closed:
                self._late(event)
                return
            self._queue.append(event)
            self._last_accepted = next(self._accepted)
            if len(self._queue) >= self._batch_size:
                self._wake.set()
        except Exception:  # a player must never see an analytics problem
            _log.exception("analytics: could not queue an event")

    @property
    def accepted(self) -> int:
        return self._last_accepted

    # -- waiting (tests, benchmarks, shutdown) ---------------------------------------
    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every event accepted so far is in the database or the journal."""
        target = self._last_accepted
        self._wake.set()
        with self._done:
            return self._done.wait_for(lambda: self._handled >= target, timeout)

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait until every event accepted so far is in the database (journal empty)."""
        deadline = time.monotonic() + timeout
        if not self.flush(timeout):
            return False
        with self._done:
            return self._done.wait_for(
                lambda: self.journal.size == 0 and not self._held,
                max(0.0, deadline - time.monotonic()),
            )

    def close(self, timeout: float = 60.0) -> None:
        """Drain: write (or journal) everything accepted, then stop the writer."""
        if self._stopping:
            return
        atexit.unregister(self.close)
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout)
        self._closed = True
        if self._thread.is_alive():
            _log.error("analytics: the writer did not finish within %.0f s", timeout)
            return
        self._late_flush()
        c = self.counters
        _log.info(
            "analytics: closed; %d stored, %d journaled, %d replayed, %d duplicates",
            c.stored,
            c.journaled,
            c.replayed,
            c.duplicates,
        )

    # -- the writer thread ----------------------------------------------------------
    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            stopping = self._stopping
            if stopping:
                self._retry_at = 0.0  # one fresh attempt at the database before giving up
            while True:
                batch = self._take()
                if batch or self._replay_due():
                    try:
                        self._deliver(batch)
                    except Exception:  # the writer must outlive any surprise; keep the batch
                        _log.exception("analytics: writer error; holding %d events", len(batch))
                        self._held = batch + self._held
                        self._retry_at = time.monotonic() + self._max_retry
                if len(batch) < self._batch_size:
                    break
            if stopping and not self._queue:
                self._shut()
                return

    def _take(self) -> list[StepEvent]:
        batch, self._held = self._held, []
        queue = self._queue
        while queue and len(batch) < self._batch_size:
            batch.append(queue.popleft())
        return batch

    def _replay_due(self) -> bool:
        """Is there journaled work, and may the database be asked again?"""
        return time.monotonic() >= self._retry_at and self._journal_waiting()

    def _journal_waiting(self) -> bool:
        if self.journal.size:
            return True
        now = time.monotonic()
        if now >= self._orphans_at:  # other processes' journals: look now and then
            self._orphans_at = now + self._orphan_check
            self._orphans = self.journal.has_work()
        return self._orphans

    def _deliver(self, batch: list[StepEvent]) -> None:
        if time.monotonic() < self._retry_at:
            self._to_journal(batch)
            return
        try:
            store = self._store or self._open()
            if self._journal_waiting():
                before = self.counters.stored
                replayed = self.journal.replay(self._write_to(store), self._batch_size)
                self._orphans = False
                self.counters.replayed += replayed
                if replayed:
                    _log.warning(
                        "analytics: the database is back; replayed %d journaled events (%d new)",
                        replayed,
                        self.counters.stored - before,
                    )
                self._notify()
            if batch:
                self._write_to(store)(batch)
                self._handled_up(len(batch))
            self._backoff = self._retry
            self._retry_at = 0.0
        except Exception as error:
            self._failed(error)
            self._to_journal(batch)

    def _write_to(self, store: Store) -> Callable[[list[StepEvent]], object]:
        def write(events: list[StepEvent]) -> None:
            try:
                self._count(events, store.write(events))
            except (StoreUnavailableError, SchemaError):  # wait in the journal, not refused
                raise
            except Exception as error:  # the batch itself is at fault: find the bad event(s)
                _log.error(
                    "analytics: the database refused a batch (%s); writing it one by one", error
                )
                for event in events:
                    try:
                        self._count([event], store.write([event]))
                    except (StoreUnavailableError, SchemaError):
                        raise
                    except Exception as refusal:
                        self._reject(event, refusal)

        return write

    def _count(self, events: list[StepEvent], new: int) -> None:
        self.counters.stored += new
        self.counters.duplicates += len(events) - new

    def _reject(self, event: object, error: BaseException) -> None:
        """Keep an event no database will take where an operator can see it: never drop it."""
        self.counters.rejected += 1
        _log.error("analytics: event refused (%s); kept in %s", error, self._rejected_path)
        try:
            line = encode_event(event).decode() if isinstance(event, StepEvent) else ""
        except Exception:
            line = ""
        try:
            self._rejected_path.parent.mkdir(parents=True, exist_ok=True)
            with self._rejected_path.open("a", encoding="utf-8") as out:
                out.write(f"{line.rstrip() or repr(event)}\t{error}\n")
        except OSError:
            _log.exception("analytics: cannot write %s", self._rejected_path)

    def _open(self) -> Store:
        self._store = self._open_store()
        return self._store

    def _failed(self, error: BaseException) -> None:
        self.counters.failures += 1
        if self._store is not None:
            self._store.reset()
        now = time.monotonic()
        self._retry_at = now + self._backoff
        self._backoff = min(self._backoff * 2, self._max_retry)
        if now - self._warned_at >= 60.0:
            self._warned_at = now
            _log.warning(
                "analytics: database unavailable (%s); events go to the journal in %s"
                " and will be replayed",
                error,
                self.journal.directory,
            )

    def _to_journal(self, batch: list[StepEvent]) -> None:
        if not batch:
            return
        try:
            self.journal.append(batch)
        except (TypeError, ValueError, AttributeError):  # something in it is not an event
            good = []
            for event in batch:
                try:
                    encode_event(event)
                    good.append(event)
                except Exception as error:
                    self._reject(event, error)
                    self._handled_up(1)
            if len(good) < len(batch):
                self._to_journal(good)
            return
        except OSError as error:
            _log.error(
                "analytics: cannot write the journal in %s (%s); holding %d events in memory",
                self.journal.directory,
                error,
                len(batch),
            )
            self._held = batch + self._held
            return
        self.counters.journaled += len(batch)
        self._handled_up(len(batch))

    def _handled_up(self, count: int) -> None:
        with self._done:
            self._handled += count
            self._done.notify_all()

    def _notify(self) -> None:
        with self._done:
            self._done.notify_all()

    def _shut(self) -> None:
        if self._store is not None:
            self._store.close()
        with self._done:
            self._done.notify_all()

    # -- after close ------------------------------------------------------------------
    def _late(self, event: StepEvent) -> None:
        """An event after close (a request still finishing): straight to the journal."""
        try:
            self.journal.append([event])
            self.journal.close()  # unlocked: the next process replays it as an orphan
            self.counters.journaled += 1
        except OSError:
            _log.exception("analytics: lost an event recorded after shutdown")

    def _late_flush(self) -> None:
        leftover = list(self._queue) + self._held
        self._queue.clear()
        self._held = []
        if leftover:
            try:
                self.journal.append(leftover)
                self.counters.journaled += len(leftover)
            except OSError:
                _log.exception("analytics: lost %d events at shutdown", len(leftover))
        self.journal.close()
