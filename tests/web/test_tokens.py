"""Damaged, forged, outdated and foreign tokens: always a friendly page, never a 5xx."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passage.engine import TokenCodec, new_state
from passage.story import Story, compile_story

from .conftest import EXAMPLE, KEY, Client, first_page

HEADING = "This page of the journey can't be opened"


def _assert_restart_page(client: Client, url: str, reason_text: str) -> None:
    page = client.get(url)
    assert page.status_code == 400, url
    text = html.unescape(page.text)
    assert HEADING in text
    assert reason_text in text
    assert 'href="/begin"' in text
    assert page.headers["cache-control"] == "no-store"


def test_garbled_token(client: Client) -> None:
    _assert_restart_page(client, "/play/not-a-token", "looks damaged")
    _assert_restart_page(client, "/play/not-a-token/0", "looks damaged")
    _assert_restart_page(client, "/play/" + "A" * 2000, "looks damaged")


def test_forged_token(client: Client) -> None:
    token = first_page(client).removeprefix("/play/")
    middle = len(token) // 2
    forged = token[:middle] + ("B" if token[middle] != "B" else "C") + token[middle + 1:]
    _assert_restart_page(client, f"/play/{forged}", "was not made by this site")
    _assert_restart_page(client, f"/play/{forged}/0", "was not made by this site")


def test_token_signed_with_another_key(client: Client, story: Story) -> None:
    other = TokenCodec(story, b"another-key-0123456789abcdef").encode(new_state(story, 1))
    _assert_restart_page(client, f"/play/{other}", "was not made by this site")


def test_token_of_another_story(client: Client, hostile_story: Story) -> None:
    token = TokenCodec(hostile_story, KEY).encode(new_state(hostile_story, 1))
    _assert_restart_page(client, f"/play/{token}", "belongs to another story")


def test_token_from_an_older_version_of_the_story(client: Client, tmp_path: Path) -> None:
    changed = tmp_path / "example"
    shutil.copytree(EXAMPLE, changed)
    toml = changed / "story.toml"
    toml.write_text(toml.read_text().replace(
        "[variables.exhaustion]",
        '[variables.courage]\ntype = "int"\ninitial = 0\nmin = 0\nmax = 2\n\n'
        "[variables.exhaustion]"))
    older = compile_story(changed)
    token = TokenCodec(older, KEY).encode(new_state(older, 3))
    _assert_restart_page(client, f"/play/{token}", "story has been updated")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300),
       st.integers(min_value=0, max_value=2**70))
def test_any_token_gets_a_page_not_an_error(client: Client, token: str, choice: int) -> None:
    for url in (f"/play/{token}", f"/play/{token}/{choice}"):
        try:
            page = client.get(url)
        except Exception as error:  # httpx refuses some URLs outright: that is not our server
            assert "URL" in type(error).__name__ or "Invalid" in str(error), error
            continue
        assert page.status_code in (200, 307, 400, 404), (url, page.status_code)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=120))
def test_random_base64_tokens_are_refused_cleanly(client: Client, raw: bytes) -> None:
    import base64

    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    page = client.get(f"/play/{token}/0")
    assert page.status_code == 400
    assert HEADING in html.unescape(page.text)
