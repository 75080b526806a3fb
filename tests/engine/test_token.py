"""State tokens: round trips, size, and every way a token can be bad."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passage.autoplay import play_random
from passage.engine import State, TokenCodec, TokenError, new_state, step, view
from passage.engine.token import MAX_TOKEN_LENGTH
from passage.story import Story, compile_story
from tests.conftest import EXAMPLE

KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def codec(example: Story) -> TokenCodec:
    return TokenCodec(example, KEY)


def mid_story(example: Story) -> State:
    state = new_state(example, 2**63 + 12345)
    for _ in range(3):
        state = step(example, state, 0)
    return state


def test_round_trip_along_random_journeys(example: Story, codec: TokenCodec) -> None:
    rng = random.Random(4)
    for seed in range(300):
        state = new_state(example, seed * 2**40 + seed)
        while not view(example, state).is_ending:
            token = codec.encode(state)
            assert codec.decode(token) == state
            options = [c.index for c in view(example, state).choices if c.enabled]
            state = step(example, state, rng.choice(options))
        assert codec.decode(codec.encode(state)) == state


def test_tokens_are_url_safe_and_small(example: Story, codec: TokenCodec) -> None:
    token = codec.encode(mid_story(example))
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(token) <= 300


def test_forged_token_is_refused(example: Story, codec: TokenCodec) -> None:
    token = codec.encode(mid_story(example))
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[20] ^= 1
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(TokenError) as caught:
        codec.decode(forged)
    assert caught.value.reason == "forged"
    other_key = TokenCodec(example, b"another key that is long enough")
    with pytest.raises(TokenError) as caught:
        other_key.decode(token)
    assert caught.value.reason == "forged"


@pytest.mark.parametrize(("version", "words"), [(1, "no longer supported"), (3, "newer")])
def test_other_token_formats_are_named_not_called_forged(example: Story, codec: TokenCodec,
                                                          version: int, words: str) -> None:
    """Format 1 (HMAC-SHA256) links still around, or a newer server's, say what they are."""
    token = codec.encode(mid_story(example))
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[0] = version
    with pytest.raises(TokenError) as caught:
        codec.decode(base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode())
    assert caught.value.reason == "version" and words in caught.value.detail


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda t: t[:10], "malformed"),
        (lambda t: t[:-3], "forged"),
        (lambda t: t + "!", "malformed"),
        (lambda t: "", "malformed"),
        (lambda t: "A" * (MAX_TOKEN_LENGTH + 1), "malformed"),
        (lambda t: t.replace(t[5], "*"), "malformed"),
    ],
)
def test_bad_tokens(example: Story, codec: TokenCodec, mangle: object, reason: str) -> None:
    token = codec.encode(mid_story(example))
    with pytest.raises(TokenError) as caught:
        codec.decode(mangle(token))  # type: ignore[operator]
    assert caught.value.reason == reason


def _copy_example(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def test_token_of_another_story_is_refused(example: Story, tmp_path: Path) -> None:
    root = _copy_example(tmp_path)
    toml = root / "story.toml"
    toml.write_text(toml.read_text().replace('id = "example"', 'id = "other"'))
    other = TokenCodec(compile_story(root), KEY)
    with pytest.raises(TokenError) as caught:
        TokenCodec(example, KEY).decode(other.encode(new_state(other.story, 1)))
    assert caught.value.reason == "other-story"


def test_older_story_version_still_resolves(example: Story, tmp_path: Path) -> None:
    old_token = TokenCodec(example, KEY).encode(mid_story(example))
    root = _copy_example(tmp_path)
    toml = root / "story.toml"
    toml.write_text(toml.read_text().replace('version = "1.0.0"', 'version = "1.1.0"'))
    chapter = root / "chapters" / "02-river.md"
    chapter.write_text(chapter.read_text().replace("I am in China.", "I am in China at last."))
    newer = compile_story(root)
    state = TokenCodec(newer, KEY).decode(old_token)
    assert state == mid_story(example)
    assert "at last" in view(newer, state).scene.prose_html or state.scene != "far-bank"


def test_removed_scene_or_changed_variables_are_outdated(example: Story, tmp_path: Path) -> None:
    state = mid_story(example)
    token = TokenCodec(example, KEY).encode(state)
    root = _copy_example(tmp_path)
    toml = root / "story.toml"
    toml.write_text(toml.read_text().replace("max = 4", "max = 5"))
    with pytest.raises(TokenError) as caught:
        TokenCodec(compile_story(root), KEY).decode(token)
    assert caught.value.reason == "outdated"


def test_short_key_is_refused(example: Story) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        TokenCodec(example, b"short")


def test_every_journey_round_trips_through_autoplay(example: Story) -> None:
    result = play_random(example, 200, seed=9)
    assert result.journeys == 200 and sum(result.classes.values()) == 200


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=400))
def test_fuzz_text_raises_only_token_error(example: Story, text: str) -> None:
    codec = TokenCodec(example, KEY)
    try:
        codec.decode(text)
    except TokenError as error:
        assert error.reason in {"malformed", "forged"}


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_signed_garbage_raises_only_token_error(example: Story, body: bytes) -> None:
    """Garbage with a valid signature exercises the decoder past the signature check."""
    codec = TokenCodec(example, KEY)
    raw = body + codec._mac(body)
    token = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    try:
        state = codec.decode(token)
    except TokenError as error:
        assert error.reason in {"malformed", "version", "other-story", "outdated", "forged"}
        return
    assert state.scene in example.scenes


@settings(max_examples=1500, deadline=None)
@given(st.data())
def test_fuzz_mutated_valid_bodies(example: Story, data: st.DataObject) -> None:
    codec = TokenCodec(example, KEY)
    token = codec.encode(mid_story(example))
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))[:-16])
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(raw)))
    body = bytes(raw[:cut])
    signed = base64.urlsafe_b64encode(body + codec._mac(body)).rstrip(b"=").decode()
    try:
        state = codec.decode(signed)
    except TokenError:
        return
    assert state.scene in example.scenes
    view(example, state)
