"""The most a step could reach: a fixed journey-sized page vs hello-world, side by side.

Run: .venv/bin/python -m bench.bench_ceiling [--seconds 5] [--rounds 6] [--size 7216]

It serves this module's ``app`` (plain ASGI, like the web player's front door) with
uvicorn, 2 workers, httptools and uvloop, as ``passage serve`` does, and drives it with
wrk exactly as ``bench_web`` does: ``/healthz`` answers ``ok`` with the security
headers; ``/page`` answers a fixed body of ``--size`` bytes (the flagship's first scene,
uncompressed, is 7,216) with a journey page's headers, doing no work at all. The ratio
is the ceiling for steps: whatever a step does on top of sending its page comes out of
what is left. Printed: each round's rates and worker CPU per request, then the CPU a
step could spend at 50 % of hello-world.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from starlette.types import Receive, Scope, Send

from bench.bench_web import (
    ROOT,
    Server,
    cpu_seconds,
    ensure_wrk,
    fetch,
    rate_of,
    requests_of,
    script,
    wrk,
)
from passage.web.security import SECURITY_HEADERS

_SIZE = int(os.environ.get("PASSAGE_CEILING_SIZE", "7216"))
_PAGE = (b"<p>" + b"x" * _SIZE)[:_SIZE]
_PAGE_HEADERS = [*SECURITY_HEADERS, (b"content-type", b"text/html; charset=utf-8"),
                 (b"cache-control", b"private, max-age=0"), (b"vary", b"Accept-Encoding"),
                 (b"content-length", b"%d" % len(_PAGE))]
_HELLO_HEADERS = [*SECURITY_HEADERS, (b"content-type", b"text/plain; charset=utf-8"),
                  (b"cache-control", b"no-store"), (b"content-length", b"2")]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Two fixed answers; anything else is a 404."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/page":
        headers, body, status = _PAGE_HEADERS, _PAGE, 200
    elif scope["path"] == "/healthz":
        headers, body, status = _HELLO_HEADERS, b"ok", 200
    else:
        headers, body, status = [(b"content-length", b"0")], b"", 404
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def start(size: int) -> Server:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bench_ceiling:app", "--port", str(port),
         "--workers", "2", "--http", "httptools", "--loop", "uvloop", "--no-access-log",
         "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "PASSAGE_CEILING_SIZE": str(size)},
        stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if fetch(port, "/healthz")[0] == 200:
                time.sleep(1)  # the second worker
                return Server(process, port)
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("uvicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--size", type=int, default=7216)
    args = parser.parse_args()
    binary = ensure_wrk()
    server = start(args.size)
    try:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            luas = {}
            for name in ("healthz", "page"):
                paths = folder / f"{name}.txt"
                paths.write_text(f"/{name}\n")
                luas[name] = script(folder, name, paths)
            workers = server.workers()
            print(f"fixed page of {args.size:,} bytes vs hello-world; uvicorn, 2 workers, "
                  f"wrk -t1 -c32, {os.cpu_count()} cores shared with wrk")
            ratios, hello_cpu, page_cpu = [], [], []
            for number in range(1, args.rounds + 1):
                rates, cpu = [], []
                for name in ("healthz", "page"):
                    before = cpu_seconds(workers)
                    output = wrk(binary, server.url, luas[name], args.seconds)
                    rates.append(rate_of(output))
                    cpu.append((cpu_seconds(workers) - before) / max(requests_of(output), 1)
                               * 1e6)
                ratios.append(rates[1] / rates[0])
                hello_cpu.append(cpu[0])
                page_cpu.append(cpu[1])
                print(f"  round {number}: hello-world {rates[0]:,.0f} req/s ({cpu[0]:.0f} us "
                      f"of worker CPU each), page {rates[1]:,.0f} req/s ({cpu[1]:.0f} us), "
                      f"ratio {ratios[-1]:.0%}")
            hello, page = statistics.median(hello_cpu), statistics.median(page_cpu)
            print(f"CEILING: median ratio {statistics.median(ratios):.0%}; worker CPU per "
                  f"request: hello-world {hello:.0f} us, page {page:.0f} us. At 50 % of "
                  f"hello-world a step may use about {2 * hello:.0f} us of server CPU, so "
                  f"{2 * hello - page:.0f} us for everything besides sending its page "
                  "(token, engine, page assembly, statistics and their writer).")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
