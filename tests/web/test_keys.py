"""The signing key: made once with mode 0600, read back, or taken from the environment."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from passage.web.keys import ENV_KEY, KEY_FILE, KeyError_, load_or_create_key


def test_first_start_makes_a_private_key_and_later_starts_read_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = load_or_create_key(data, environ={})
    path = data / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert load_or_create_key(data, environ={}) == key


def test_the_environment_wins_and_needs_a_long_key(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path, environ={ENV_KEY: "x" * 40})
    assert key == b"x" * 40
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(KeyError_, match="at least 32"):
        load_or_create_key(tmp_path, environ={ENV_KEY: "short"})


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create_key(tmp_path, environ={})
    (tmp_path / KEY_FILE).chmod(0o644)
    with pytest.raises(KeyError_, match="chmod 600"):
        load_or_create_key(tmp_path, environ={})


def test_a_damaged_key_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE
    path.write_text("short\n")
    path.chmod(0o600)
    with pytest.raises(KeyError_, match="too short"):
        load_or_create_key(tmp_path, environ={})
