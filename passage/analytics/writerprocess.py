"""One statistics writer process for all the web workers of ``passage serve``.

The parent starts it before the workers and stops it after them, so it drains
what the workers relayed in their last moments. It runs the same
:class:`~passage.analytics.writer.BackgroundSink` as before (batches, journal,
replays, retention of refused events), fed from the relay socket
(:mod:`passage.analytics.relay`). If it dies, the parent starts another one;
meanwhile the workers journal what they cannot send, and the new writer replays
those journals.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from passage.analytics.connect import store_factory
from passage.analytics.relay import receive_into
from passage.analytics.service import JOURNAL_DIR
from passage.analytics.writer import BackgroundSink

__all__ = ["PROCESS_NAME", "WriterProcess", "run_writer"]

PROCESS_NAME = "passage-writer"

_log = logging.getLogger("passage.analytics")
_START_SECONDS = 15.0
_ENV_DATABASE = "PASSAGE_WRITER_DATABASE"  # not an argument: ps would show a password


class WriterProcess:
    """Starts, watches (restarting it if it dies) and stops the writer process."""

    def __init__(self, database: str | None, data_dir: Path) -> None:
        self.database = database
        self.data_dir = data_dir
        # A private directory (0700) keeps the socket path short and out of others' reach.
        self.directory = Path(tempfile.mkdtemp(prefix="passage-statistics-"))
        self.address = self.directory / "events.sock"
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None
        self.restarts = 0

    def start(self) -> None:
        """Start the writer and wait until it listens (so the first steps reach it)."""
        self._spawn()
        self._watch = threading.Thread(target=self._watch_over, name="passage-writer-watch",
                                       daemon=True)
        self._watch.start()

    def stop(self, timeout: float = 90.0) -> int | None:
        """Ask the writer to drain and stop; returns its exit code (None if it would not)."""
        self._stopping.set()
        if self._watch is not None:
            self._watch.join()
        process = self._process
        code: int | None = None
        if process is not None:
            self._wait_until_listening(process)  # until then SIGTERM would not drain it
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                _log.error("analytics: the writer process did not stop within %.0f s", timeout)
        shutil.rmtree(self.directory, ignore_errors=True)
        return code

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _spawn(self) -> None:
        with contextlib.suppress(FileNotFoundError):  # a dead writer's: not a sign of life
            self.address.unlink()
        # A fresh interpreter that imports only the statistics modules (a forked or spawned
        # child would carry the parent's modules and threads).
        environment = {**os.environ, _ENV_DATABASE: self.database or ""}
        process = subprocess.Popen(
            [sys.executable, "-m", "passage.analytics.writerprocess", str(self.address),
             str(self.data_dir)], env=environment, stdin=subprocess.DEVNULL)
        self._process = process
        if not self._wait_until_listening(process):
            _log.error("analytics: the writer process is slow to start; workers journal")

    def _wait_until_listening(self, process: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + _START_SECONDS
        while not self.address.exists() and process.poll() is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _watch_over(self) -> None:
        while not self._stopping.wait(1.0):
            process = self._process
            if process is not None and process.poll() is not None:
                _log.error("analytics: the writer process stopped (exit code %s); "
                           "starting another", process.returncode)
                self._spawn()
                self.restarts += 1


def main() -> None:
    """``python -m passage.analytics.writerprocess SOCKET DATA_DIR`` (the database URL in
    the environment): what :class:`WriterProcess` starts."""
    address, data_dir = sys.argv[1:3]
    run_writer(address, os.environ.get(_ENV_DATABASE) or None, data_dir)


def run_writer(address: str, database: str | None, data_dir: str) -> None:
    """The writer process: relayed events into the store until SIGTERM, then drain."""
    logging.basicConfig(level=logging.WARNING,
                        format="passage statistics writer: %(levelname)s %(message)s")
    with contextlib.suppress(OSError):  # a name for ps and top (Linux): PROCESS_NAME
        Path("/proc/self/comm").write_text(PROCESS_NAME)
    # Stop when passage serve says so, after the workers: a Ctrl-C reaching the whole
    # process group must not stop the writer before the workers have sent their last events.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda number, frame: stop.set())
    parent = os.getppid()

    def orphaned() -> None:  # the parent was killed: drain and stop rather than linger
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=orphaned, daemon=True).start()
    sink = BackgroundSink(store_factory(database, Path(data_dir)), Path(data_dir) / JOURNAL_DIR)
    try:
        receive_into(Path(address), sink.record, stop)
    finally:
        sink.close()


if __name__ == "__main__":
    main()
