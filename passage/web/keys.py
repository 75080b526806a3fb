"""The signing key for state tokens: from the environment, or a file made on first start.

Every worker and every machine serving one story must hold the same key, or a
token made by one would be "forged" for another. An operator running several
machines sets ``PASSAGE_SECRET_KEY``; a single machine gets a random key written
once into its data directory, readable by its owner only (mode 0600).
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

__all__ = ["ENV_KEY", "KEY_FILE", "KeyError_", "load_or_create_key"]

ENV_KEY = "PASSAGE_SECRET_KEY"
KEY_FILE = "secret.key"
_MIN_CHARS = 32


class KeyError_(Exception):  # noqa: N801 - "KeyError" would shadow the builtin
    """The key cannot be read or made; the message says what to fix."""


def load_or_create_key(data_dir: Path, environ: dict[str, str] | None = None) -> bytes:
    """The key from ``PASSAGE_SECRET_KEY``, else from ``data_dir/secret.key`` (made if missing)."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_KEY)
    if value is not None:
        if len(value.strip()) < _MIN_CHARS:
            raise KeyError_(f"{ENV_KEY} must be at least {_MIN_CHARS} characters "
                            "(for example the output of: python3 -c 'import secrets; "
                            "print(secrets.token_hex(32))')")
        return value.strip().encode()
    path = data_dir / KEY_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return _create(path)
    except FileExistsError:
        return _read(path)
    except OSError as error:
        raise KeyError_(f"cannot create the signing key {path}: {error.strerror}") from None


def _create(path: Path) -> bytes:
    """Write a new key with O_EXCL, so two starting processes never overwrite each other."""
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key.encode()


def _read(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyError_(f"cannot read the signing key {path}: {error}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyError_(f"the signing key {path} is readable by other users "
                        f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}")
    if len(text) < _MIN_CHARS:
        raise KeyError_(f"the signing key {path} is too short; delete it to make a new one "
                        "(journeys in progress will have to start again)")
    return text.encode()
