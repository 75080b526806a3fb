"""Odds benchmarks: exact odds of the flagship, engine Monte Carlo, the million-state story.

Run: .venv/bin/python -m bench.bench_odds [--story DIR] [--repeat 5] [--journeys 10000]
Targets: exact odds of the flagship under 1 s; Monte Carlo through the engine at
3,000 or more journeys per second per core (steps per second reported too); a
generated story with 1,000,000+ reachable states solved in under 60 s and 2 GB,
and a larger one refused early with SpaceTooLarge. Wall and CPU time are both
printed (these machines are shared); peak memory is getrusage's ru_maxrss in a
child process that does only the stress run.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stress_story import write_stress_story
from passage.autoplay import AutoplayResult, play_random
from passage.engine.space import SpaceTooLarge
from passage.odds.graph import DEFAULT_MAX_STATES, build
from passage.odds.solve import solve
from passage.story import compile_story

ROOT = Path(__file__).resolve().parents[1]


def timed(work: object, repeat: int) -> tuple[float, float, object]:
    """Best wall and best CPU seconds of ``repeat`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()  # type: ignore[operator]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def flagship(path: Path, repeat: int, journeys: int) -> None:
    story = compile_story(path)
    wall, cpu, report = timed(lambda: solve(story), repeat)
    space = report.space  # type: ignore[attr-defined]
    print(f"story: {path.name}, {len(story.scenes)} scenes, {space.states:,} reachable states "
          f"(merged by liveness), {space.edges:,} transitions")
    print(f"exact odds (random player, all endings, lengths, census): best {wall:.3f} s wall, "
          f"{cpu:.3f} s CPU; target < 1 s")
    wall, cpu, _ = timed(lambda: build(story), repeat)
    print(f"  of which exploring the state graph: best {wall:.3f} s wall, {cpu:.3f} s CPU")
    wall, cpu, _ = timed(lambda: compile_story(path), 1)
    print(f"  (compiling the story, not included: {wall:.3f} s wall, {cpu:.3f} s CPU)")
    target = next(iter(story.endings))
    wall, cpu, _ = timed(lambda: solve(story, target=target), max(1, repeat // 2))
    print(f"  with best and worst players for {target!r}: best {wall:.3f} s wall, {cpu:.3f} s CPU")
    play_random(story, 200, seed=1)  # warm up
    wall, cpu, played = timed(lambda: play_random(story, journeys, seed=2), 3)
    result = played  # the same seed each time: the same journeys
    assert isinstance(result, AutoplayResult)
    print(f"Monte Carlo through the engine (autoplay.play_random, best of 3 runs): "
          f"{journeys:,} journeys, {result.steps:,} steps ({result.steps / journeys:.1f} per "
          f"journey)")
    print(f"  {journeys / cpu:,.0f} journeys/s CPU ({journeys / wall:,.0f} wall), "
          f"{result.steps / cpu:,.0f} steps/s CPU ({result.steps / wall:,.0f} wall); "
          f"target >= 3,000 journeys/s per core")


def stress(scenes: int, max_states: int) -> None:
    """Runs in a child process, so that its peak memory is its own."""
    with tempfile.TemporaryDirectory() as folder:
        story = compile_story(write_stress_story(Path(folder), scenes))
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            report = solve(story, max_states=max_states)
        except SpaceTooLarge as error:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"  {scenes} scenes: refused after {wall:.2f} s wall, {cpu:.2f} s CPU: {error}")
        else:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            south = report.random.classes["south"]
            print(f"  {scenes} scenes: {report.space.states:,} states, "
                  f"{report.space.edges:,} transitions; explored and solved (random player, "
                  f"lengths, census) in {wall:.1f} s wall, {cpu:.1f} s CPU "
                  f"(P(south) = {south:.4f})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"  peak memory (getrusage ru_maxrss of this run): {peak / 1024:,.0f} MB; "
          f"target < 2 GB")


def child(scenes: int, max_states: int) -> None:
    """The stress run in a fresh process: its peak memory is then its own."""
    subprocess.run([sys.executable, "-m", "bench.bench_odds", "--stress-only", str(scenes),
                    "--max-states", str(max_states)], check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--story", default=str(ROOT / "stories" / "escape"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--stress-only", type=int, metavar="SCENES", default=0)
    parser.add_argument("--max-states", type=int, default=DEFAULT_MAX_STATES)
    args = parser.parse_args()
    if args.stress_only:
        stress(args.stress_only, args.max_states)
        return
    flagship(Path(args.story), args.repeat, args.journeys)
    print("stress story (bench/stress_story.py), target: 1,000,000+ states in < 60 s, < 2 GB:")
    child(135, args.max_states)
    print("a larger one, with --max-states 2,000,000: refused early, memory bounded:")
    child(400, 2_000_000)


if __name__ == "__main__":
    main()
