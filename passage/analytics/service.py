"""One object for a server to hold: the sink, the statistics, and their shutdown.

A web worker opens this once at startup (after the worker process exists: the
threads must not be forked) and closes it at shutdown, which drains the writer.
With analytics off the same shape holds objects that do nothing, so the web tier
never tests for None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from passage.analytics.aggregates import StatsCache
from passage.analytics.connect import describe, store_factory
from passage.analytics.events import ChoiceStats, EventSink, StepEvent
from passage.analytics.relay import RelaySink
from passage.analytics.writer import BackgroundSink

__all__ = ["Analytics", "NoStats", "NullSink", "open_analytics"]

JOURNAL_DIR = "analytics-journal"


class NullSink:
    def record(self, event: StepEvent) -> None:
        return None


class NoStats:
    def choice_shares(self, story_id: str, story_version: str, scene: str) -> dict[str, int] | None:
        return None

    def ending_shares(self, story_id: str, story_version: str) -> dict[str, int] | None:
        return None


@dataclass(slots=True)
class Analytics:
    sink: EventSink = field(default_factory=NullSink)
    stats: ChoiceStats = field(default_factory=NoStats)
    where: str = "off"

    @property
    def recording(self) -> bool:
        return not isinstance(self.sink, NullSink)

    def close(self) -> None:
        """Drain the writer or relay (events reach the database, the writer process or the
        journal), stop the cache."""
        if isinstance(self.sink, BackgroundSink | RelaySink):
            self.sink.close()
        if isinstance(self.stats, StatsCache):
            self.stats.close()


def open_analytics(
    database: str | None, data_dir: Path, *, refresh: float = 5.0, enabled: bool = True,
    relay: Path | None = None,
) -> Analytics:
    """Start the writer (or, given the ``relay`` socket of a writer process, a relay to
    it) and the cache. Never connects in the caller's thread, so a database that is
    down delays nothing: events are journaled until it returns.
    Raises :class:`~passage.analytics.connect.DatabaseURLError` for a URL it cannot use."""
    if not enabled:
        return Analytics()
    factory = store_factory(database, data_dir)
    sink: EventSink
    if relay is not None:
        sink = RelaySink(relay, data_dir / JOURNAL_DIR)
    else:
        sink = BackgroundSink(factory, data_dir / JOURNAL_DIR)
    stats = StatsCache(factory, refresh=refresh)
    return Analytics(sink, stats, describe(database, data_dir))
