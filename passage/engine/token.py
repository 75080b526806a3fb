"""State tokens: a journey's state as a compact, URL-safe, signed string.

Layout (before base64url): format version, story-id hash, story version, state
layout fingerprint, scene id, values, visits, seed, draws, turn, reveal, trail,
then a 128-bit keyed BLAKE2s MAC over all of it (a MAC by design, a third of
HMAC-SHA256's cost here, and computed twice a step). The web tier keeps no
session memory: any worker holding the key can continue any journey.

A token from another story version still resolves when the state layout
(variables, tracked scenes, waypoints) is unchanged and its scene still exists;
otherwise decoding raises :class:`TokenError` with a reason the web player turns
into a friendly restart page.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import struct
from functools import partial
from typing import Literal

from passage.engine.state import Reveal, State
from passage.story.model import Chance, Story

__all__ = ["MAX_TOKEN_LENGTH", "MIN_TOKEN_VERSION", "TOKEN_VERSION", "TokenCodec", "TokenError"]

TOKEN_VERSION = 2  # 2: BLAKE2s MAC (1 had HMAC-SHA256)
MIN_TOKEN_VERSION = 2
MAX_TOKEN_LENGTH = 1024
_MAC_BYTES = 16

_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")

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


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    number = shift = 0
    while True:
        if position >= len(data):
            raise TokenError("malformed", "token is truncated")
        byte = data[position]
        position += 1
        number |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return number, position
        shift += 7
        if shift > 63:
            raise TokenError("malformed", "number too long")


def _read_text(data: bytes, position: int) -> tuple[str, int]:
    if position >= len(data):
        raise TokenError("malformed", "token is truncated")
    end = position + 1 + data[position]
    if end > len(data):
        raise TokenError("malformed", "token is truncated")
    try:
        return data[position + 1 : end].decode("utf-8"), end
    except UnicodeDecodeError as error:
        raise TokenError("malformed", "text is not UTF-8") from error


class TokenCodec:
    """Encodes and decodes states of one story with one signing key."""

    def __init__(self, story: Story, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the signing key must be at least 16 bytes")
        self.story = story
        # BLAKE2s takes a key of at most 32 bytes: derive one from a key of any length.
        mac_key = hashlib.blake2s(key, person=b"passage").digest()
        self._blake2s = partial(hashlib.blake2s, key=mac_key, digest_size=_MAC_BYTES)
        self._story_hash = hashlib.blake2b(story.id.encode(), digest_size=4).digest()
        self._waypoints = tuple(sorted(story.waypoints))
        self._waypoint_index = {key: i for i, key in enumerate(self._waypoints)}
        version = story.version.encode()[:255]
        # Everything before the scene id is the same for every state of this story.
        self._prefix = bytes([TOKEN_VERSION]) + self._story_hash + bytes([len(version)])
        self._prefix += version + story.schema
        # Each value is stored as its index in the variable's domain: one byte, or two
        # for ranges over 256 values; one struct call packs or unpacks them all.
        self._domains = tuple(v.domain() for v in story.variables)
        self._indices = tuple({value: i for i, value in enumerate(d)} for d in self._domains)
        widths = "".join("B" if len(d) <= 256 else "H" for d in self._domains)
        self._values = struct.Struct(">" + widths)

    def _mac(self, body: bytes | bytearray) -> bytes:
        return self._blake2s(body).digest()

    def encode(self, state: State) -> str:
        out = bytearray(self._prefix)
        scene = state.scene.encode()
        out.append(len(scene))
        out += scene
        out += self._values.pack(*map(dict.__getitem__, self._indices, state.values))
        for count in state.visits:
            if count < 0x80:  # nearly always: one byte
                out.append(count)
            else:
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
        out += bytes(map(self._waypoint_index.__getitem__, state.trail))
        out += self._mac(out)
        return binascii.b2a_base64(out, newline=False).translate(_TO_URLSAFE).rstrip(
            b"=").decode("ascii")

    def decode(self, token: str) -> State:
        """The state in ``token``; raises :class:`TokenError` and nothing else."""
        if not isinstance(token, str) or not token:
            raise TokenError("malformed", "empty token")
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenError("malformed", f"token is longer than {MAX_TOKEN_LENGTH} characters")
        try:
            padded = (token + "=" * (-len(token) % 4)).encode("ascii")
            # base64.b64decode(altchars=b"-_", validate=True) without its per-call set-up
            raw = binascii.a2b_base64(padded.translate(_FROM_URLSAFE), strict_mode=True)
        except (binascii.Error, ValueError, UnicodeEncodeError) as error:
            raise TokenError("malformed", "token is not base64url") from error
        if len(raw) <= _MAC_BYTES + 6:
            raise TokenError("malformed", "token is truncated")
        if raw[0] != TOKEN_VERSION:  # before the MAC: an old format has another MAC
            self._check_version(raw[0])
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise TokenError("forged", "signature does not match")
        if body.startswith(self._prefix):
            return self._read(body, len(self._prefix))
        return self._read(body, self._other_header(body))

    def _other_header(self, body: bytes) -> int:
        """Where the scene starts in a header unlike ours, or why the token is refused.

        Only a token from another version of this story with the same state layout
        gets past here: it resolves as long as its scene still exists.
        """
        self._check_version(body[0])
        if body[1:5] != self._story_hash:
            raise TokenError("other-story", "token belongs to another story")
        token_version, position = _read_text(body, 5)
        if body[position : position + 4] != self.story.schema:
            raise TokenError("outdated", f"story changed since version {token_version!r}")
        return position + 4

    @staticmethod
    def _check_version(version: int) -> None:
        if version > TOKEN_VERSION:
            raise TokenError("version", f"token format {version} is newer than this server's")
        if version < MIN_TOKEN_VERSION:
            raise TokenError("version", f"token format {version} is no longer supported")

    def _read(self, body: bytes, position: int) -> State:
        story = self.story
        scene, position = _read_text(body, position)
        if scene not in story.scenes:
            raise TokenError("outdated", f"scene {scene!r} no longer exists")
        end = position + self._values.size
        if end > len(body):
            raise TokenError("malformed", "token is truncated")
        try:
            values = tuple(
                map(tuple.__getitem__, self._domains, self._values.unpack_from(body, position))
            )
        except IndexError as error:
            raise TokenError("malformed", "a value is out of range") from error
        position = end
        visits, position = self._visits(body, position)
        if position + 8 > len(body):
            raise TokenError("malformed", "token is truncated")
        seed = int.from_bytes(body[position : position + 8], "big")
        draws, position = _read_varint(body, position + 8)
        turn, position = _read_varint(body, position)
        reveal, position = self._reveal(body, position)
        count, position = _read_varint(body, position)
        if position + count != len(body):
            raise TokenError("malformed", "trail length does not match")
        indices = body[position:]
        if any(i >= len(self._waypoints) for i in indices):
            raise TokenError("malformed", "unknown waypoint")
        trail = tuple(self._waypoints[i] for i in indices)
        return State(scene, values, visits, seed, draws, turn, trail, reveal)

    def _visits(self, body: bytes, position: int) -> tuple[tuple[int, ...], int]:
        tracked = len(self.story.tracked_scenes)
        counts = body[position : position + tracked]
        if len(counts) == tracked and (not counts or max(counts) < 0x80):
            return tuple(counts), position + tracked  # nearly always: each count one byte
        visits = []
        for _ in range(tracked):
            count, position = _read_varint(body, position)
            visits.append(count)
        return tuple(visits), position

    def _reveal(self, body: bytes, position: int) -> tuple[Reveal | None, int]:
        marker, position = _read_varint(body, position)
        if marker == 0:
            return None, position
        scene_id, position = _read_text(body, position)
        scene = self.story.scenes.get(scene_id)
        if scene is None or not isinstance(scene.exit, Chance) or marker > len(scene.exit.outcomes):
            return None, position  # the chance scene changed: show the scene without the reveal
        return Reveal(scene_id, marker - 1), position
