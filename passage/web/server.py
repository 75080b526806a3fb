"""Running the web player in production: uvicorn with several worker processes.

The parent process compiles the story once (to fail early with the author's
errors, not in every worker), makes or reads the signing key, then hands the
story folder and data directory to the workers through the environment. Each
worker builds its own app (``app_from_environment``). With statistics on, the
parent first starts one statistics writer process, and the workers relay their
step events to it (``passage.analytics.relay``). Uvicorn stops on SIGINT or
SIGTERM after finishing the requests in flight; then the writer drains and stops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from passage.analytics.writerprocess import WriterProcess
from passage.web.app import ENV_DATA_DIR, ENV_DATABASE, ENV_RELAY, ENV_STATS, ENV_STORY_DIR

__all__ = ["GRACEFUL_SECONDS", "ServerConfig", "run_server"]

GRACEFUL_SECONDS = 10


@dataclass(frozen=True, slots=True)
class ServerConfig:
    story_dir: Path
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    database: str | None = None  # choice statistics; None: SQLite in the data dir
    stats: bool = True

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def run_server(config: ServerConfig) -> None:
    """Serve until interrupted; returns after a graceful shutdown (the workers first,
    then the statistics writer, which drains what they sent)."""
    os.environ[ENV_STORY_DIR] = str(config.story_dir.resolve())
    os.environ[ENV_DATA_DIR] = str(config.data_dir.resolve())
    os.environ[ENV_DATABASE] = config.database or ""
    os.environ[ENV_STATS] = "on" if config.stats else "off"
    writer = None
    if config.stats:
        writer = WriterProcess(config.database, config.data_dir.resolve())
        writer.start()
        os.environ[ENV_RELAY] = str(writer.address)
    try:
        _run_uvicorn(config)
    finally:
        os.environ.pop(ENV_RELAY, None)
        if writer is not None:
            writer.stop()


def _run_uvicorn(config: ServerConfig) -> None:
    uvicorn.run(
        "passage.web.app:app_from_environment",
        factory=True,
        host=config.host,
        port=config.port,
        workers=config.workers,
        http="httptools",
        loop="uvloop",
        access_log=False,  # privacy: no visitor addresses in any log
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        log_level="warning",
    )
