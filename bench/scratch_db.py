"""A throw-away PostgreSQL database on the machine's server, for the statistics benchmarks."""

from __future__ import annotations

import secrets

import psycopg

__all__ = ["SERVER", "create_scratch_database", "drop_scratch_database"]

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def create_scratch_database() -> tuple[str, str]:
    """Create a uniquely named database; return its name and its connection URL."""
    name = f"passage_bench_{secrets.token_hex(4)}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_scratch_database(name: str) -> None:
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
