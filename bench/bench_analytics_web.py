"""Choice statistics through the real web server: sustained load, and the cost of recording.

Run: .venv/bin/python -m bench.bench_analytics_web [--part load|cost|both]
     [--backend sqlite|postgresql|both] [--rate 1000] [--seconds 60] [--story DIR]

load: ``passage serve --workers 2`` (SQLite in its data dir, or a fresh PostgreSQL
  database on 127.0.0.1:5432) is sent ``--rate`` step requests per second for
  ``--seconds`` by an open-loop client (2 processes, asyncio, keep-alive
  connections): each request has a slot on a fixed schedule, and its latency is
  measured from that slot, so a slow server cannot hide its queue (no coordinated
  omission). Every request is a distinct step of a distinct journey
  (``/play/{token}/{choice}`` from recorded random journeys), so each one must
  become exactly one row. Then the server gets SIGTERM, drains, and the database is
  read back: lost = answered steps missing from it, duplicated = rows beyond one per
  step, errors = any non-200 answer or failed request.

cost: three servers side by side, each ``--workers 2``: statistics off
  (``--no-stats``), on with SQLite, on with PostgreSQL. wrk (-t1 -c32) drives each at
  full speed in turn, round after round, with fresh journeys every run (a repeated
  step would be a duplicate and cost the writer almost nothing). The figure is the
  median of the rounds and the drop from "off".
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import process_name, server_children
from bench.scratch_db import create_scratch_database, drop_scratch_database
from passage.analytics.connect import store_factory
from passage.analytics.writerprocess import PROCESS_NAME as WRITER_NAME
from passage.engine import TokenCodec, new_state, step, view
from passage.story import Story, compile_story

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-signing-key-0123456789abcdef0123456789"


def steps(story: Story, count: int, seed: int) -> list[tuple[str, tuple[str, int]]]:
    """``count`` step paths of random journeys, each with the event key it must produce."""
    codec = TokenCodec(story, KEY.encode())
    rng = random.Random(seed)
    out: list[tuple[str, tuple[str, int]]] = []
    while len(out) < count:
        state = new_state(story, rng.getrandbits(64))
        while not (current := view(story, state)).is_ending and len(out) < count:
            choice = rng.choice([c.index for c in current.choices if c.enabled])
            out.append(
                (f"/play/{codec.encode(state)}/{choice}", (state.journey_id, state.turn + 1))
            )
            state = step(story, state, choice)
    return out


# -- the server ------------------------------------------------------------------------------------
@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int


def start(story_dir: str, data_dir: Path, extra: list[str]) -> Server:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "passage.cli",
            "serve",
            story_dir,
            "--port",
            str(port),
            "--workers",
            "2",
            "--data-dir",
            str(data_dir),
            *extra,
        ],
        env={**os.environ, "PASSAGE_SECRET_KEY": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                if b" 200 " in probe.recv(100):
                    time.sleep(2)  # the second worker
                    return Server(process, port)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start:\n" + (process.communicate()[0] or ""))


def stop(server: Server) -> float:
    """SIGTERM, wait for the drain; the seconds it took."""
    began = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    output, _ = server.process.communicate(timeout=120)
    if server.process.returncode != 0:
        raise SystemExit(f"the server failed (exit {server.process.returncode}):\n{output}")
    return time.monotonic() - began


# -- the open-loop client ---------------------------------------------------------------------
async def _drive(
    port: int, paths: list[str], rate: float, connections: int, start_at: float
) -> list[tuple[int, int, float]]:
    """(index, status, latency from the scheduled slot) for every path, on schedule."""
    queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    results: list[tuple[int, int, float]] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            index, due = await queue.get()
            if index < 0:
                writer.close()
                return
            status = 0
            try:
                writer.write(
                    f"GET {paths[index]} HTTP/1.1\r\nHost: bench\r\n"
                    "Accept-Encoding: gzip\r\n\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, ValueError, AttributeError):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            results.append((index, status, time.monotonic() - due))

    tasks = [asyncio.create_task(worker()) for _ in range(connections)]
    for index in range(len(paths)):
        due = start_at + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((index, due))
    for _ in tasks:
        queue.put_nowait((-1, 0.0))
    await asyncio.gather(*tasks)
    return results


def client(
    port: int, paths: list[str], rate: float, start_at: float
) -> list[tuple[int, int, float]]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_drive(port, paths, rate, 24, start_at))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def load(backend: str, story: Story, args: argparse.Namespace) -> None:
    total = int(args.rate * args.seconds)
    work = steps(story, total, seed=11)
    paths = [p for p, _ in work]
    with tempfile.TemporaryDirectory(prefix="passage-bench-") as folder:
        data = Path(folder)
        database, name = None, ""
        if backend == "postgresql":
            name, database = create_scratch_database()
        try:
            options = ["--database", database] if database else []
            server = start(args.story, data, ["--no-stats"] if backend == "off" else options)
            halves = [paths[0::2], paths[1::2]]
            start_at = time.monotonic() + 1.0
            with mp.get_context("spawn").Pool(2) as pool:
                jobs = [
                    pool.apply_async(client, (server.port, half, args.rate / 2, start_at))
                    for half in halves
                ]
                parts = [job.get() for job in jobs]
            elapsed = time.monotonic() - start_at
            drain = stop(server)
            stored: list[tuple[str, int]] = []
            if backend != "off":
                store = store_factory(database, data)()
                stored = [(e.journey_id, e.step) for e in store.events()]
                store.close()
        finally:
            if name:
                drop_scratch_database(name)
    answered = {
        work[2 * i + h][1] for h, part in enumerate(parts) for i, status, _ in part if status == 200
    }
    latencies = [lat * 1000 for part in parts for _, status, lat in part]
    errors = sum(1 for part in parts for _, status, _ in part if status != 200)
    lost = len(answered - set(stored))
    extra = len(set(stored) - answered)
    print(
        f"\n== load, {backend}: passage serve --workers 2, {args.rate:,.0f} steps/s for"
        f" {args.seconds:.0f} s"
    )
    print(
        f"steps sent {len(latencies):,} in {elapsed:.1f} s = {len(latencies) / elapsed:,.0f}"
        f" steps/s; errors {errors}"
    )
    print(
        f"latency from the scheduled slot (ms): p50 {statistics.median(latencies):.1f}"
        f"  p90 {_pct(latencies, 90):.1f}  p99 {_pct(latencies, 99):.1f}"
        f"  p99.9 {_pct(latencies, 99.9):.1f}  max {max(latencies):.0f}"
    )
    if backend == "off":
        return
    print(
        f"database after SIGTERM (drained in {drain:.1f} s): {len(stored):,} rows for"
        f" {len(answered):,} answered steps; lost {lost}, duplicated"
        f" {len(stored) - len(set(stored))}, rows without an answered step {extra}"
    )


# -- the cost of recording ------------------------------------------------------------------------
def workers(server: Server) -> list[int]:
    """The uvicorn worker processes and the statistics writer (children of ``passage
    serve``, not its resource tracker)."""
    return server_children(server.process.pid)


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """User + system CPU of these processes: (request threads, other threads).

    A worker's main thread (its thread id is the process id) serves the requests; the
    other threads (the statistics cache, and uvicorn's idle supervisor pong) and the
    whole statistics writer process count as "other". Counting them apart measures what
    analytics adds even on a noisy machine, where whole-process figures swing by more
    than the cost being measured."""
    ticks = os.sysconf("SC_CLK_TCK")
    main = other = 0
    for pid in pids:
        writer = process_name(pid) == WRITER_NAME
        for task in Path(f"/proc/{pid}/task").iterdir():
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            used = int(fields[11]) + int(fields[12])  # utime, stime
            if task.name == str(pid) and not writer:
                main += used
            else:
                other += used
    return main / ticks, other / ticks


def record_cost(story: Story) -> float:
    """µs a request thread spends recording a step: build the event, hand it to the sink."""
    from passage.analytics.events import step_event
    from passage.analytics.writer import BackgroundSink

    with tempfile.TemporaryDirectory() as folder:
        sink = BackgroundSink(store_factory(None, Path(folder)), Path(folder) / "j")
        state = new_state(story, 1)
        after = step(story, state, 0)
        rounds = 50_000
        began = time.thread_time()
        for _ in range(rounds):
            sink.record(step_event(story, state, after, 0))
        spent = time.thread_time() - began
        sink.close()
    return spent / rounds * 1e6


def wrk_run(
    port: int, paths: list[str], seconds: float, folder: Path, name: str
) -> tuple[float, int]:
    """(requests per second, requests answered) of one wrk run."""
    listing = folder / f"{name}.txt"
    listing.write_text("\n".join(paths) + "\n")
    script = folder / f"{name}.lua"
    script.write_text(
        f'local paths = {{}}\nfor line in io.lines("{listing}") do paths[#paths + 1] = line end\n'
        'local i = 0\nwrk.headers["Accept-Encoding"] = "gzip"\n'
        "request = function()\n  i = i + 1\n  if i > #paths then i = 1 end\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            "-c32",
            f"-d{round(seconds)}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit("wrk saw error responses:\n" + output)
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    answered = re.search(r"(\d+) requests in", output)
    return (float(found.group(1)) if found else 0.0), (int(answered.group(1)) if answered else 0)


def cost(story: Story, args: argparse.Namespace) -> None:
    per_run = int(args.cost_seconds * 6000)  # more fresh steps than a run can take
    work = [p for p, _ in steps(story, per_run * args.rounds * 3, seed=12)]
    with tempfile.TemporaryDirectory(prefix="passage-bench-") as folder:
        data = Path(folder)
        name, database = create_scratch_database()
        servers = {
            "off": start(args.story, data / "off", ["--no-stats"]),
            "SQLite": start(args.story, data / "sqlite", []),
            "PostgreSQL": start(args.story, data / "pg", ["--database", database]),
        }
        rates: dict[str, list[float]] = {label: [] for label in servers}
        mains: dict[str, list[float]] = {label: [] for label in servers}
        others: dict[str, list[float]] = {label: [] for label in servers}
        try:
            run = 0
            for number in range(1, args.rounds + 1):
                line = []
                for label, server in servers.items():
                    chunk = work[run * per_run : (run + 1) * per_run]
                    run += 1
                    pids = workers(server)
                    main0, other0 = cpu_seconds(pids)
                    rate, answered = wrk_run(
                        server.port, chunk, args.cost_seconds, data, f"run{run}"
                    )
                    main1, other1 = cpu_seconds(pids)
                    per = 1e6 / max(answered, 1)
                    rates[label].append(rate)
                    mains[label].append((main1 - main0) * per)
                    others[label].append((other1 - other0) * per)
                    line.append(
                        f"{label} {rate:,.0f}/s ({mains[label][-1]:,.0f} + "
                        f"{others[label][-1]:,.0f} µs CPU/step)"
                    )
                print(f"  round {number}: " + ", ".join(line))
        finally:
            for server in servers.values():
                stop(server)
            drop_scratch_database(name)
    recording = record_cost(story)
    med = statistics.median
    off_rate, off_main = med(rates["off"]), med(mains["off"])
    print(
        f"\n== cost of recording: passage serve --workers 2, wrk -t1 -c32, {args.rounds}"
        f" rounds of {args.cost_seconds:.0f} s, fresh journeys every run"
    )
    print(
        "CPU per step = request thread + other threads and processes (statistics writer"
        " process, cache),"
        " user+system, over the steps answered. Medians."
    )
    print(
        f"recording in the request thread (step_event + record), measured apart:"
        f" {recording:.1f} µs/step"
    )
    for label in servers:
        rate, main, other = med(rates[label]), med(mains[label]), med(others[label])
        text = (
            f"statistics {label}: {rate:,.0f} steps/s; request thread {main:,.0f} µs,"
            f" other threads {other:,.1f} µs per step"
        )
        if label != "off":
            added = other + recording
            text += (
                f"; analytics adds {added:,.0f} µs to {off_main:,.0f} ="
                f" {added / off_main * 100:.1f}% more CPU per step, so"
                f" {(1 - off_main / (off_main + added)) * 100:.1f}% lower capacity;"
                f" wrk throughput {(rate / off_rate - 1) * 100:+.1f}% (noisy)"
            )
        print(text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=("load", "cost", "both"), default="both")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "both", "off"),
        default="both",
        help="off: the load part with --no-stats, for comparison",
    )
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--cost-seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--story", default=str(ROOT / "stories" / "example"))
    args = parser.parse_args()
    story = compile_story(Path(args.story))
    print(
        f"story {story.id!r} ({len(story.scenes)} scenes); {os.cpu_count()} cores shared by"
        " server, client and database"
    )
    if args.part in ("load", "both"):
        for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
            load(backend, story, args)
    if args.part in ("cost", "both"):
        cost(story, args)


if __name__ == "__main__":
    main()
