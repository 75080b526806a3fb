"""What the benchmarks read of ``passage serve``'s processes from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["command_line", "process_name", "server_children"]


def server_children(pid: int) -> list[int]:
    """The processes ``passage serve`` (``pid``) started: its uvicorn workers and its
    statistics writer, not the resource tracker multiprocessing may keep (it serves nothing)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children
            if "multiprocessing.resource_tracker" not in command_line(int(c))]


def process_name(pid: int) -> str:
    """The process's name (``comm``): the statistics writer names itself."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
