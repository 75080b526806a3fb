"""Web player under load: step throughput vs hello-world, latency at 1,000 steps/s,
page weights, and worker memory over 100,000 steps.

Run: .venv/bin/python -m bench.bench_web [--story DIR] [--seconds 5] [--rounds 6]

It starts ``passage serve STORY --workers 2`` on a free loopback port (the signing key
comes from PASSAGE_SECRET_KEY, so this process can make valid tokens), drives it with
wrk (Debian's package, installed here when missing), and prints every figure.

- Throughput: ``/healthz`` (a plain "ok": the hello-world endpoint of the same server,
  answered by the same front door as the journey pages) and real steps
  (``/play/{token}/{choice}`` taken from recorded random journeys; every run takes
  steps no run took before, so each is a new row for the statistics writer) alternate,
  with the same wrk settings and the same kind of Lua request generator, for
  ``--rounds`` rounds; the ratio of each round is reported and the median is the
  figure. CPU per request is read from ``/proc`` for the workers and for the
  statistics writer process, which works for the steps too.
- Latency: wrk paced by its ``delay()`` hook to about 1,000 steps per second; the
  achieved rate and the percentiles are printed.
- Weights: every page type fetched with ``Accept-Encoding: gzip``; the bytes on the wire.
- Memory: resident set size of each worker (and of the writer) after each 25,000 steps,
  up to 100,000.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import process_name, server_children
from passage.analytics.writerprocess import PROCESS_NAME as WRITER_NAME
from passage.engine import ChoiceError, TokenCodec, new_state, step, view
from passage.story import Story, compile_story

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-signing-key-0123456789abcdef0123456789"
CONNECTIONS = 32

_CYCLE = """
local paths = {}
for line in io.lines("%(file)s") do paths[#paths + 1] = line end
local i = %(offset)d %% #paths
%(headers)s
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
%(extra)s
"""
_PACED = "delay = function() return %d end\n"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package)", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or "wrk"


def step_paths(story: Story, count: int) -> list[str]:
    """``/play/{token}/{choice}`` for ``count`` steps of recorded random journeys."""
    codec = TokenCodec(story, KEY.encode())
    rng = random.Random(2024)
    paths: list[str] = []
    while len(paths) < count:
        state = new_state(story, rng.getrandbits(64))
        while not (current := view(story, state)).is_ending and len(paths) < count:
            choice = rng.choice([c.index for c in current.choices if c.enabled])
            paths.append(f"/play/{codec.encode(state)}/{choice}")
            state = step(story, state, choice)
    return paths


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return [p for p in server_children(self.process.pid) if process_name(p) != WRITER_NAME]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def writer(self) -> list[int]:
        """The statistics writer process (it names itself), which the workers feed."""
        return [p for p in server_children(self.process.pid) if process_name(p) == WRITER_NAME]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (from /proc, in clock ticks)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def requests_of(output: str) -> int:
    match = re.search(r"(\d+) requests in", output)
    return int(match.group(1)) if match else 0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_server(story_dir: Path, data: Path, options: tuple[str, ...] = ()) -> Server:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    passage = Path(sys.executable).parent / "passage"
    process = subprocess.Popen(
        [str(passage), "serve", str(story_dir), "--port", str(port), "--workers", "2",
         "--data-dir", str(data), *options],
        env={**os.environ, "PASSAGE_SECRET_KEY": KEY}, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(port, "/healthz")
            if status == 200:
                time.sleep(2)  # let the second worker finish starting too
                return Server(process, port)
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start")


def fetch(port: int, path: str, gzip_ok: bool = False) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    response = connection.getresponse()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    connection.close()
    return response.status, body, headers


def wrk(binary: str, url: str, script: Path, seconds: float, connections: int = CONNECTIONS,
        latency: bool = False) -> str:
    command = [binary, "-t1", f"-c{connections}", f"-d{round(seconds)}s", "-s", str(script)]
    if latency:
        command.append("--latency")
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def rate_of(output: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses:\n{output}")
    return float(match.group(1)) if match else 0.0


def percentiles(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))


def script(folder: Path, name: str, paths_file: Path, *, gzip_ok: bool = False,
           extra: str = "", offset: int = 0) -> Path:
    headers = 'wrk.headers["Accept-Encoding"] = "gzip"' if gzip_ok else ""
    path = folder / f"{name}.lua"
    path.write_text(_CYCLE % {"file": paths_file, "headers": headers, "extra": extra,
                              "offset": offset})
    return path


@dataclass
class Cursor:
    """Where the next run starts in the recorded steps: every step request of the whole
    benchmark is a step not taken before, so each one is a new row for the statistics
    writer (a repeated step would be a duplicate, which costs it less)."""

    taken: int = 0


def throughput(binary: str, server: Server, folder: Path, paths_file: Path, cursor: Cursor,
               hello_file: Path, seconds: float, rounds: int, gzip_ok: bool) -> None:
    label = "gzip" if gzip_ok else "plain"
    hello = script(folder, f"hello-{label}", hello_file, gzip_ok=gzip_ok)
    ratios, cpu_ratios = [], []
    workers, writer = server.workers(), server.writer()
    for number in range(1, rounds + 1):
        rates, cpu, writer_cpu = [], [], []
        steps = script(folder, f"steps-{label}", paths_file, gzip_ok=gzip_ok,
                       offset=cursor.taken)
        for lua in (hello, steps):
            before, writer_before = cpu_seconds(workers), cpu_seconds(writer)
            output = wrk(binary, server.url, lua, seconds)
            used = cpu_seconds(workers) - before
            requests = max(requests_of(output), 1)
            rates.append(rate_of(output))
            cpu.append(used / requests * 1e6)
            writer_cpu.append((cpu_seconds(writer) - writer_before) / requests * 1e6)
        cursor.taken += requests
        ratios.append(rates[1] / rates[0])
        cpu_ratios.append(cpu[0] / (cpu[1] + writer_cpu[1]))
        print(f"  round {number} ({label}): hello-world {rates[0]:,.0f} req/s "
              f"({cpu[0]:.0f} us of worker CPU each), steps {rates[1]:,.0f} req/s "
              f"({cpu[1]:.0f} us each in the workers + {writer_cpu[1]:.0f} us in the "
              f"statistics writer), ratio {ratios[-1]:.0%}")
    print(f"THROUGHPUT ({label}): median ratio {statistics.median(ratios):.0%} "
          f"over {rounds} rounds (target >= 50%); by server CPU per request (workers and "
          f"writer): {statistics.median(cpu_ratios):.0%}")


def latency_at(binary: str, server: Server, folder: Path, paths_file: Path, cursor: Cursor,
               seconds: float) -> None:
    connections = 26  # each waits 20 ms before its next request: at most 1,300/s in all
    paced = script(folder, "paced", paths_file, extra=_PACED % 20, offset=cursor.taken)
    output = wrk(binary, server.url, paced, seconds, connections=connections, latency=True)
    cursor.taken += requests_of(output)
    achieved = rate_of(output)
    marks = percentiles(output)
    print(f"LATENCY at {achieved:,.0f} steps/s achieved (paced to 1,000/s): "
          f"p50 {marks.get('50')}, p90 {marks.get('90')}, p99 {marks.get('99')} "
          "(target p99 < 50 ms)")


def weights(server: Server, story: Story) -> None:
    codec = TokenCodec(story, KEY.encode())
    first = new_state(story, 7)
    pages: dict[str, str] = {"landing": "/", "first scene": f"/play/{codec.encode(first)}"}
    rng = random.Random(3)
    seen: set[str] = set()
    for _ in range(300):  # find a chance reveal and an ending by random journeys
        state = new_state(story, rng.getrandbits(64))
        while not (current := view(story, state)).is_ending:
            choices = [c.index for c in current.choices if c.enabled]
            try:
                state = step(story, state, rng.choice(choices))
            except ChoiceError:
                break
            if (state.reveal is not None and "chance reveal" not in seen
                    and not view(story, state).is_ending):
                pages["chance reveal"] = f"/play/{codec.encode(state)}"
                seen.add("chance reveal")
        if "ending" not in seen:
            pages["ending"] = f"/play/{codec.encode(state)}"
            seen.add("ending")
    pages.update({"sources": "/sources", "about": "/about", "privacy": "/privacy",
                  "not found": "/no-such-page", "bad token": "/play/garbled"})
    _, html, _ = fetch(server.port, pages["first scene"])
    assets = {name: re.search(rf'"(/static/{re.escape(name)}\?v=[0-9a-f]+)"', html.decode())
              for name in ("passage.css", "passage.js", "favicon.svg", "map/basemap.svg")}
    sizes: dict[str, tuple[int, int]] = {}
    for name, match in assets.items():
        assert match is not None, name
        _, body, headers = fetch(server.port, match.group(1), gzip_ok=True)
        raw = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
        sizes[name] = (len(body), len(raw))
    print("WEIGHTS (bytes on the wire with gzip / uncompressed):")
    for name, (wire, plain) in sizes.items():
        print(f"  asset {name}: {wire:,} / {plain:,}")
    static = sum(sizes[n][0] for n in ("passage.css", "favicon.svg", "map/basemap.svg"))
    for name, path in pages.items():
        _, body, headers = fetch(server.port, path, gzip_ok=True)
        raw = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
        total = len(body) + (static if name not in ("landing", "sources", "about", "privacy",
                                                    "not found", "bad token")
                             else sizes["passage.css"][0] + sizes["favicon.svg"][0])
        print(f"  page {name}: HTML {len(body):,} / {len(raw):,}; in all (CSS, icon, and the "
              f"map on journey pages): {total:,}; with the optional JavaScript: "
              f"{total + sizes['passage.js'][0]:,}")
    first_total = len(fetch(server.port, pages["first scene"], gzip_ok=True)[1]) + static
    print(f"FIRST SCENE: {first_total:,} bytes without JavaScript "
          f"({first_total / 1024:.1f} KiB; target <= 40 KB)")


def memory(binary: str, server: Server, folder: Path, paths_file: Path, cursor: Cursor,
           total: int) -> None:
    """Steps in two-second wrk runs, each starting where the last stopped in the list of
    recorded steps, with each worker's (and the writer's) resident set size after every
    quarter."""
    processes = server.workers() + server.writer()

    def sizes() -> str:
        return ", ".join(f"{rss_mib(p):.1f}" for p in processes)

    print(f"MEMORY (RSS MiB per worker, {len(server.workers())} workers, then the statistics "
          f"writer): before {sizes()}")
    done, mark = 0, total // 4
    while done < total:
        runner = script(folder, "memory", paths_file, offset=cursor.taken)
        output = wrk(binary, server.url, runner, 2)
        rate_of(output)  # fails on any error response
        taken = requests_of(output)
        done += taken
        cursor.taken += taken
        if done >= mark or done >= total:
            print(f"  after {done:,} steps: {sizes()}")
            mark += total // 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--story", default=str(ROOT / "stories" / "example"))
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=800_000,
                        help="recorded steps; the runs take fresh ones until all are used")
    parser.add_argument("--memory-steps", type=int, default=100_000)
    parser.add_argument("--no-stats", action="store_true",
                        help="serve with --no-stats (no choice statistics recorded or shown)")
    parser.add_argument("--only-throughput", action="store_true",
                        help="plain throughput rounds only (a quick comparison)")
    args = parser.parse_args()
    binary = ensure_wrk()
    story = compile_story(args.story)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        paths_file = folder / "paths.txt"
        paths_file.write_text("\n".join(step_paths(story, args.steps)) + "\n")
        hello_file = folder / "hello.txt"
        hello_file.write_text("/healthz\n")
        server = start_server(Path(args.story), folder / "data",
                              ("--no-stats",) if args.no_stats else ())
        try:
            print(f"story {story.id} ({len(story.scenes)} scenes), 2 workers, wrk -t1 "
                  f"-c{CONNECTIONS}, {os.cpu_count()} cores shared with wrk, statistics "
                  f"{'off' if args.no_stats else 'on (SQLite)'}")
            cursor = Cursor()
            if args.only_throughput:
                throughput(binary, server, folder, paths_file, cursor, hello_file,
                           args.seconds, args.rounds, gzip_ok=False)
                return
            weights(server, story)
            for gzip_ok in (False, True):
                throughput(binary, server, folder, paths_file, cursor, hello_file,
                           args.seconds, args.rounds, gzip_ok)
            latency_at(binary, server, folder, paths_file, cursor, args.seconds)
            memory(binary, server, folder, paths_file, cursor, args.memory_steps)
            if cursor.taken > args.steps:
                print(f"(the runs took {cursor.taken:,} steps of {args.steps:,} recorded: "
                      "some were repeats; raise --steps)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
