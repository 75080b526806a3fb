"""State tokens: a journey's state as a compact, URL-safe, signed string.

Layout (before base64url): format version, story-id hash, story version, state
layout fingerprint, scene id, values, visits, seed, draws, turn, reveal, trail,
then a truncated HMAC-SHA256 over all of it. The web tier keeps no session
memory: any worker holding the key can continue any journey.

A token from another story version still resolves when the state layout
(variables, tracked scenes, waypoints) is unchanged and its scene still exists;
otherwise decoding raises :class:`TokenError` with a reason the web player turns
into a friendly restart page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from passage.engine.state import Reveal, State
from passage.story.expressions import Value
from passage.story.model import Chance, Story

__all__ = ["MAX_TOKEN_LENGTH", "MIN_TOKEN_VERSION", "TOKEN_VERSION", "TokenCodec", "TokenError"]

TOKEN_VERSION = 1
MIN_TOKEN_VERSION = 1
MAX_TOKEN_LENGTH = 1024
_MAC_BYTES = 16

Reason = Literal["malformed", "forged", "version", "other-story", "outdated"]


class TokenError(Exception):
    """A token that cannot be used; ``reason`` is one of the :data:`Reason` codes."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _varint(number: int, out: bytearray) -> None:
    if number < 0:
        raise ValueError("varint is unsigned")
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


@dataclass(slots=True)
class _Reader:
    data: bytes
    position: int = 0

    def byte(self) -> int:
        if self.position >= len(self.data):
            raise TokenError("malformed", "token is truncated")
        value = self.data[self.position]
        self.position += 1
        return value

    def take(self, count: int) -> bytes:
        end = self.position + count
        if end > len(self.data):
            raise TokenError("malformed", "token is truncated")
        chunk = self.data[self.position : end]
        self.position = end
        return chunk

    def varint(self) -> int:
        number = shift = 0
        while True:
            byte = self.byte()
            number |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return number
            shift += 7
            if shift > 63:
                raise TokenError("malformed", "number too long")

    def text(self) -> str:
        try:
            return self.take(self.byte()).decode("utf-8")
        except UnicodeDecodeError as error:
            raise TokenError("malformed", "text is not UTF-8") from error


class TokenCodec:
    """Encodes and decodes states of one story with one signing key."""

    def __init__(self, story: Story, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the signing key must be at least 16 bytes")
        self.story = story
        self._key = key
        self._story_hash = hashlib.blake2b(story.id.encode(), digest_size=4).digest()
        self._waypoints = tuple(sorted(story.waypoints))
        self._waypoint_index = {key: i for i, key in enumerate(self._waypoints)}

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, state: State) -> str:
        story = self.story
        out = bytearray([TOKEN_VERSION])
        out += self._story_hash
        version = story.version.encode()[:255]
        out.append(len(version))
        out += version
        out += story.schema
        scene = state.scene.encode()
        out.append(len(scene))
        out += scene
        for variable, value in zip(story.variables, state.values, strict=True):
            if variable.kind == "int":
                assert isinstance(value, int)
                _varint(value - variable.minimum, out)
            elif variable.kind == "bool":
                out.append(1 if value else 0)
            else:
                _varint(variable.values.index(str(value)), out)
        for count in state.visits:
            _varint(count, out)
        out += state.seed.to_bytes(8, "big")
        _varint(state.draws, out)
        _varint(state.turn, out)
        if state.reveal is None:
            out.append(0)
        else:
            _varint(state.reveal.outcome + 1, out)
            reveal_scene = state.reveal.scene.encode()
            out.append(len(reveal_scene))
            out += reveal_scene
        _varint(len(state.trail), out)
        out += bytes(self._waypoint_index[w] for w in state.trail)
        out += self._mac(bytes(out))
        return base64.urlsafe_b64encode(bytes(out)).rstrip(b"=").decode("ascii")

    def decode(self, token: str) -> State:
        """The state in ``token``; raises :class:`TokenError` and nothing else."""
        if not isinstance(token, str) or not token:
            raise TokenError("malformed", "empty token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenError("malformed", f"token is longer than {MAX_TOKEN_LENGTH} characters")
        try:
            padded = token + "=" * (-len(token) % 4)
            raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError) as error:
            raise TokenError("malformed", "token is not base64url") from error
        if len(raw) <= _MAC_BYTES + 6:
            raise TokenError("malformed", "token is truncated")
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise TokenError("forged", "signature does not match")
        return self._read(_Reader(body))

    def _read(self, reader: _Reader) -> State:
        story = self.story
        version = reader.byte()
        if version > TOKEN_VERSION:
            raise TokenError("version", f"token format {version} is newer than this server's")
        if version < MIN_TOKEN_VERSION:
            raise TokenError("version", f"token format {version} is no longer supported")
        if reader.take(4) != self._story_hash:
            raise TokenError("other-story", "token belongs to another story")
        token_version = reader.text()
        if reader.take(4) != story.schema:
            raise TokenError("outdated", f"story changed since version {token_version!r}")
        scene = reader.text()
        if scene not in story.scenes:
            raise TokenError("outdated", f"scene {scene!r} no longer exists")
        values = tuple(self._value(reader, i) for i in range(len(story.variables)))
        visits = tuple(reader.varint() for _ in story.tracked_scenes)
        seed = int.from_bytes(reader.take(8), "big")
        draws, turn = reader.varint(), reader.varint()
        reveal = self._reveal(reader)
        count = reader.varint()
        if count > 10_000:
            raise TokenError("malformed", "trail too long")
        indices = reader.take(count)
        if any(i >= len(self._waypoints) for i in indices):
            raise TokenError("malformed", "unknown waypoint")
        if reader.position != len(reader.data):
            raise TokenError("malformed", "trailing bytes")
        trail = tuple(self._waypoints[i] for i in indices)
        return State(scene, values, visits, seed, draws, turn, trail, reveal)

    def _value(self, reader: _Reader, index: int) -> Value:
        variable = self.story.variables[index]
        if variable.kind == "bool":
            flag = reader.byte()
            if flag > 1:
                raise TokenError("malformed", f"bad value for {variable.name}")
            return flag == 1
        number = reader.varint()
        if variable.kind == "int":
            value = variable.minimum + number
            if value > variable.maximum:
                raise TokenError("malformed", f"{variable.name} out of range")
            return value
        if number >= len(variable.values):
            raise TokenError("malformed", f"bad value for {variable.name}")
        return variable.values[number]

    def _reveal(self, reader: _Reader) -> Reveal | None:
        marker = reader.varint()
        if marker == 0:
            return None
        scene_id = reader.text()
        scene = self.story.scenes.get(scene_id)
        if scene is None or not isinstance(scene.exit, Chance) or marker > len(scene.exit.outcomes):
            return None  # the chance scene changed: show the scene without the reveal
        return Reveal(scene_id, marker - 1)
