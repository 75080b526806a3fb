"""Story media: only files inside media/ with a known type, sandboxed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passage.web.media import MEDIA_CSP, MediaFiles

from .conftest import EXAMPLE, Client


def test_a_picture_is_served_sandboxed(client: Client) -> None:
    response = client.get("/media/river.svg")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == MEDIA_CSP
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("name", ["../story.toml", "..%2fstory.toml", "%2e%2e/story.toml",
                                  "/etc/passwd", "river.svg/..", ".hidden.png", "river.SVG.txt",
                                  "", "a\\b.png", "../chapters/01-home.md"])
def test_anything_else_is_not_found(name: str) -> None:
    assert MediaFiles(EXAMPLE).find(name) is None


def test_symlinks_out_of_the_folder_are_refused(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"x")
    (media / "link.png").symlink_to(secret)
    (media / "ok.png").write_bytes(b"y")
    files = MediaFiles(tmp_path)
    assert files.find("link.png") is None
    assert files.find("ok.png") == (media / "ok.png").resolve()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_name_resolves_inside_media_or_not_at_all(name: str) -> None:
    found = MediaFiles(EXAMPLE).find(name)
    assert found is None or found.is_relative_to((EXAMPLE / "media").resolve())
