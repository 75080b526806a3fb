"""The cost of recording: step throughput with analytics on vs off, side by side.

Run: .venv/bin/python -m bench.bench_analytics_cost [--backend sqlite|postgresql|both]
     [--seconds 5] [--rounds 3] [--story DIR]

One step here is what a web request does for a step, minus HTTP: decode the state
token, take the step, build the view, encode the next token, and (analytics on)
build the event and ``record()`` it to a ``BackgroundSink`` whose writer thread
stores it in the same process, competing for the same interpreter. Rounds
alternate off / on so that a noisy neighbour on this shared machine hits both
sides alike; the figure is the median of the rounds. Target: on is at most 15%
below off.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.scratch_db import create_scratch_database, drop_scratch_database
from passage.analytics.connect import store_factory
from passage.analytics.events import step_event
from passage.analytics.writer import BackgroundSink
from passage.engine import State, TokenCodec, new_state, step, view
from passage.story import Story, compile_story

ROOT = Path(__file__).resolve().parents[1]


def journeys(story: Story, count: int) -> list[tuple[str, int]]:
    """(token, choice) pairs of recorded random journeys: what step requests carry."""
    codec = TokenCodec(story, b"benchmark-key-0123456789abcdef!!")
    rng = random.Random(7)
    pairs = []
    for _ in range(count):
        state = new_state(story, rng.getrandbits(64))
        while not (current := view(story, state)).is_ending:
            choice = rng.choice([c.index for c in current.choices if c.enabled])
            pairs.append((codec.encode(state), choice))
            state = step(story, state, choice)
    return pairs


def measure(
    work: list[tuple[str, int]], seconds: float, body: Callable[[str, int], None], passes: list[int]
) -> float:
    """Steps per second; ``passes[0]`` counts passes over the work (new journeys each pass)."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        passes[0] += 1
        for token, choice in work:
            body(token, choice)
        done += len(work)
    return done / (time.perf_counter() - started)


def run(backend: str, story: Story, args: argparse.Namespace) -> None:
    codec = TokenCodec(story, b"benchmark-key-0123456789abcdef!!")
    work = journeys(story, 400)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="passage-bench-") as data_dir:
        database, name = str(Path(data_dir) / "analytics.sqlite3"), ""
        if backend == "postgresql":
            name, database = create_scratch_database()
        try:
            sink = BackgroundSink(
                store_factory(database, Path(data_dir)), Path(data_dir) / "journal"
            )
            salt = [0]  # passes over the work so far

            def off(token: str, choice: int) -> None:
                state = codec.decode(token)
                after = step(story, state, choice)
                view(story, after)
                codec.encode(after)

            def on(token: str, choice: int) -> None:
                state: State = codec.decode(token)
                after = step(story, state, choice)
                view(story, after)
                codec.encode(after)
                event = step_event(story, state, after, choice, now=now)
                # every pass over the work is a new set of journeys (else all are duplicates)
                sink.record(event._replace(journey_id=f"{event.journey_id}-{salt[0]}"))

            offs, ons = [], []
            for _ in range(args.rounds):
                offs.append(measure(work, args.seconds, off, salt))
                ons.append(measure(work, args.seconds, on, salt))
            drain = time.perf_counter()
            sink.close()
            drain_s = time.perf_counter() - drain
            c = sink.counters
        finally:
            if name:
                drop_scratch_database(name)
    off_rate, on_rate = statistics.median(offs), statistics.median(ons)
    print(f"\n== {backend}: {args.rounds} rounds of {args.seconds:.0f} s each, alternating")
    print("analytics off: " + ", ".join(f"{r:,.0f}" for r in offs) + " steps/s")
    print("analytics on:  " + ", ".join(f"{r:,.0f}" for r in ons) + " steps/s")
    print(
        f"median: off {off_rate:,.0f}/s, on {on_rate:,.0f}/s -> on is"
        f" {(1 - on_rate / off_rate) * 100:.1f}% lower (target <= 15%)"
    )
    print(
        f"writer: stored {c.stored:,}, journaled {c.journaled:,}, duplicates {c.duplicates:,};"
        f" drain at close {drain_s * 1000:,.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--story", default=str(ROOT / "stories" / "example"))
    args = parser.parse_args()
    story = compile_story(Path(args.story))
    print(f"story {story.id!r}: {len(story.scenes)} scenes")
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, story, args)


if __name__ == "__main__":
    main()
