"""Engine throughput: step + view per second, and token encode + decode per second.

Run: .venv/bin/python -m bench.bench_engine [--story DIR] [--seconds 3]
Targets: step + view >= 50,000/s on one core; token encode + decode >= 20,000/s;
a typical mid-story token at most 300 bytes. Journeys are replayed from a recorded
list of (state, choice) pairs, so the loop measures the engine, not the random player.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from passage.engine import State, TokenCodec, new_state, step, view
from passage.story import Story, compile_story

ROOT = Path(__file__).resolve().parents[1]


def record(story: Story, journeys: int) -> list[tuple[State, int]]:
    rng = random.Random(1)
    pairs: list[tuple[State, int]] = []
    for _ in range(journeys):
        state = new_state(story, rng.getrandbits(64))
        while not (current := view(story, state)).is_ending:
            choice = rng.choice([c.index for c in current.choices if c.enabled])
            pairs.append((state, choice))
            state = step(story, state, choice)
    return pairs


def rate(work: list[tuple[State, int]], seconds: float, body: object) -> str:
    """Operations per second of wall time and of this process's CPU time (one core)."""
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        for state, choice in work:
            body(state, choice)  # type: ignore[operator]
        done += len(work)
    wall = done / (time.perf_counter() - started)
    return f"{wall:>9,.0f}/s wall, {done / (time.process_time() - cpu):>9,.0f}/s CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--story", default=str(ROOT / "stories" / "escape"))
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    story = compile_story(args.story)
    work = record(story, 300)
    codec = TokenCodec(story, b"benchmark-key-0123456789abcdef!!")

    def step_view(state: State, choice: int) -> None:
        view(story, step(story, state, choice))

    def token(state: State, choice: int) -> None:
        codec.decode(codec.encode(state))

    print(f"story {story.id!r}: {len(story.scenes)} scenes, {len(work):,} recorded steps")
    print(f"step + view:           {rate(work, args.seconds, step_view)} (target >= 50,000)")
    print(f"token encode + decode: {rate(work, args.seconds, token)} (target >= 20,000)")
    sizes = [len(codec.encode(state)) for state, _ in work]
    middle = [len(codec.encode(s)) for s, _ in work if 10 <= s.turn <= 30] or sizes
    print(
        f"token size: median {statistics.median(sizes):.0f} bytes, mid-story (turns 10-30) "
        f"median {statistics.median(middle):.0f}, max {max(sizes)} (target <= 300)"
    )


if __name__ == "__main__":
    main()
