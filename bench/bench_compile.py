"""Compile time of a generated 5,000-scene story (target: under 2 s).

Run: .venv/bin/python -m bench.bench_compile [--scenes 5000] [--repeat 5]
Prints wall and CPU time of each run and the best; the best is the figure to quote
because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.story_generator import write_story
from passage.story import compile_story


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = write_story(Path(folder), args.scenes)
        size = sum(p.stat().st_size for p in root.rglob("*.md"))
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            story = compile_story(root)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        choices = sum(len(s.targets()) for s in story.scenes.values())
        print(
            f"generated story: {len(story.scenes):,} scenes, {choices:,} links, "
            f"{size / 1e6:.1f} MB of Markdown"
        )
        print("runs (wall s): " + ", ".join(f"{w:.2f}" for w in walls))
        print(
            f"compile: best {min(walls):.2f} s wall, {min(cpus):.2f} s CPU "
            f"({min(walls) / len(story.scenes) * 1e6:.0f} µs per scene); target < 2 s"
        )


if __name__ == "__main__":
    main()
