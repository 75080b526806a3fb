"""Choice statistics under load: 1,000 steps/s for 60 s from 2 worker processes.

Run: .venv/bin/python -m bench.bench_analytics_load [--backend sqlite|postgresql|both]
     [--rate 1000] [--seconds 60] [--workers 2] [--story DIR]

Each worker process is what a web worker is to analytics: it takes real engine
steps through random journeys at its share of the rate (on a fixed schedule, so
a slow moment is not made up by going easy later), builds each event with
``step_event`` and hands it to its own ``BackgroundSink``, exactly as a request
handler does. Then every worker drains (``close``) and the benchmark reads the
database back: every accepted event must be there exactly once.

Prints, per back-end: the rate achieved, the latency of ``record()`` and of the
whole step (engine step + event + record) at p50/p99/p99.9/max, the writer's
counters, how long the drain took, and lost / duplicated / error counts.
PostgreSQL runs against a fresh database on 127.0.0.1:5432 (dropped after).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.scratch_db import create_scratch_database, drop_scratch_database
from passage.analytics.connect import store_factory
from passage.analytics.events import step_event
from passage.analytics.writer import BackgroundSink
from passage.engine import new_state, step
from passage.engine.step import enabled
from passage.story import compile_story
from passage.story.model import Choices, Ending

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class WorkerResult:
    keys: list[tuple[str, int]]
    record_us: list[float]
    step_us: list[float]
    late: int  # steps that started more than 10 ms after their slot
    errors: int
    stored: int
    journaled: int
    replayed: int
    duplicates: int
    rejected: int
    drain_s: float
    elapsed_s: float


def worker(
    database: str, data_dir: str, story_dir: str, rate: float, seconds: float, seed: int
) -> WorkerResult:
    story = compile_story(Path(story_dir))
    sink = BackgroundSink(
        store_factory(database, Path(data_dir)), Path(data_dir) / f"journal-{seed}"
    )
    rng = random.Random(seed)
    state = new_state(story, rng.getrandbits(64))
    keys: list[tuple[str, int]] = []
    record_us: list[float] = []
    step_us: list[float] = []
    errors = late = 0
    total = int(rate * seconds)
    started = time.perf_counter()
    for index in range(total):
        due = started + index / rate
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        elif now - due > 0.010:
            late += 1
        t0 = time.perf_counter()
        try:
            scene = story.scenes[state.scene]
            if isinstance(scene.exit, Ending):
                state = new_state(story, rng.getrandbits(64))
                scene = story.scenes[state.scene]
            choice = 0
            if isinstance(scene.exit, Choices):
                choice = rng.choice(
                    [i for i, c in enumerate(scene.exit.choices) if enabled(c, state)]
                )
            after = step(story, state, choice)
            event = step_event(story, state, after, choice, now=datetime.now(UTC))
            t1 = time.perf_counter()
            sink.record(event)
            t2 = time.perf_counter()
            keys.append((event.journey_id, event.step))
            state = after
        except Exception:
            errors += 1
            continue
        record_us.append((t2 - t1) * 1e6)
        step_us.append((t2 - t0) * 1e6)
    elapsed = time.perf_counter() - started
    drain = time.perf_counter()
    sink.close()
    c = sink.counters
    return WorkerResult(
        keys,
        record_us,
        step_us,
        late,
        errors,
        c.stored,
        c.journaled,
        c.replayed,
        c.duplicates,
        c.rejected,
        time.perf_counter() - drain,
        elapsed,
    )


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run(backend: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="passage-bench-") as data_dir:
        database, name = str(Path(data_dir) / "analytics.sqlite3"), ""
        if backend == "postgresql":
            name, database = create_scratch_database()
        store_factory(database, Path(data_dir))().migrate()  # as `passage serve` does at start
        try:
            context = mp.get_context("spawn")
            per_worker = args.rate / args.workers
            with context.Pool(args.workers) as pool:
                jobs = [
                    pool.apply_async(
                        worker, (database, data_dir, args.story, per_worker, args.seconds, 1000 + n)
                    )
                    for n in range(args.workers)
                ]
                results = [job.get() for job in jobs]
            store = store_factory(database, Path(data_dir))()
            stored = [(e.journey_id, e.step) for e in store.events()]
            store.close()
        finally:
            if name:
                drop_scratch_database(name)
    accepted = [k for r in results for k in r.keys]
    lost = len(set(accepted) - set(stored))
    duplicated = len(stored) - len(set(stored))
    record_us = [v for r in results for v in r.record_us]
    step_us = [v for r in results for v in r.step_us]
    elapsed = max(r.elapsed_s for r in results)
    print(
        f"\n== {backend}: {args.workers} workers x {args.rate / args.workers:,.0f} steps/s"
        f" for {args.seconds:.0f} s ({args.story})"
    )
    print(
        f"steps accepted: {len(accepted):,} in {elapsed:.1f} s = {len(accepted) / elapsed:,.0f}"
        f" steps/s; late starts (>10 ms behind schedule): {sum(r.late for r in results):,}"
    )
    for label, values in (("record()", record_us), ("whole step", step_us)):
        print(
            f"{label:>11} latency µs: p50 {statistics.median(values):,.1f}  p99"
            f" {_pct(values, 99):,.1f}  p99.9 {_pct(values, 99.9):,.1f}  max {max(values):,.0f}"
        )
    print(
        f"writer: stored {sum(r.stored for r in results):,}, journaled"
        f" {sum(r.journaled for r in results):,}, replayed {sum(r.replayed for r in results):,},"
        f" duplicates skipped {sum(r.duplicates for r in results):,}, rejected"
        f" {sum(r.rejected for r in results):,}; drain at close"
        f" {max(r.drain_s for r in results) * 1000:,.0f} ms"
    )
    print(
        f"in the database: {len(stored):,} rows; errors {sum(r.errors for r in results)},"
        f" lost {lost}, duplicated {duplicated}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rate", type=float, default=1000.0, help="steps per second, in all")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--story", default=str(ROOT / "stories" / "example"))
    args = parser.parse_args()
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args)


if __name__ == "__main__":
    main()
