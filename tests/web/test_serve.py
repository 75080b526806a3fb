"""``passage serve``: a real uvicorn with worker processes, the key file, graceful stop."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from passage.web.keys import KEY_FILE

from .conftest import EXAMPLE, free_port

PASSAGE = Path(sys.executable).parent / "passage"
pytestmark = pytest.mark.slow


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


def test_serve_prints_the_url_makes_a_private_key_and_stops_gracefully(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "PASSAGE_SECRET_KEY"}
    process = subprocess.Popen(
        [str(PASSAGE), "serve", str(EXAMPLE), "--port", str(port), "--workers", "2",
         "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process)
        key = data / KEY_FILE
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        first_key = key.read_text()
        with urllib.request.urlopen(url + "begin", timeout=5) as response:
            assert response.status == 200 and "/play/" in response.url
            assert "The kitchen" in response.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"Open {url} in a browser" in out
    assert "The Crossing (example story)" in out
    assert "Traceback" not in err
    # a second start reads the same key, so journeys in progress survive a restart
    assert (data / KEY_FILE).read_text() == first_key


def test_serve_explains_bad_arguments(tmp_path: Path) -> None:
    for arguments, message in (
        (["--port", "0"], "--port must be between 1 and 65535"),
        (["--workers", "0"], "--workers must be between 1 and 64"),
        ([str(tmp_path / "missing")], "the story has errors"),
    ):
        done = subprocess.run([str(PASSAGE), "serve", *arguments, "--data-dir",
                               str(tmp_path / "d")], capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert message in done.stderr + done.stdout
        assert "Traceback" not in done.stderr


def test_serve_refuses_a_short_environment_key(tmp_path: Path) -> None:
    done = subprocess.run([str(PASSAGE), "serve", str(EXAMPLE), "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PASSAGE_SECRET_KEY": "short"})
    assert done.returncode == 2
    assert "PASSAGE_SECRET_KEY must be at least 32 characters" in done.stderr
