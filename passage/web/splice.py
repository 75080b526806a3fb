"""Journey pages as pre-compressed pieces with the token spliced in at each request.

A journey page is the same for every player in the same situation except for the
signed token in its links, and the token is different on every request. So each
part of a page is kept as the pieces between its token positions, each
compressed once as a raw DEFLATE stream ending on a full flush (byte-aligned, no
back-references across pieces). A request writes the token between them as
DEFLATE *stored* blocks and adds the gzip header, the final empty block, the
CRC-32 and the length: a valid gzip body for the price of a CRC, instead of
compressing the page again.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

__all__ = ["Spliced", "join_gzip", "join_plain"]

_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a fixed-Huffman final block with no data
_LEVEL = 6


def _deflate(piece: bytes) -> bytes:
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)


def _stored(data: bytes) -> bytes:
    """``data`` as uncompressed DEFLATE blocks (at most 65,535 bytes each), not final."""
    out = bytearray()
    for start in range(0, len(data), 65535):
        chunk = data[start:start + 65535]
        out += b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
    return bytes(out)


class Spliced:
    """A part of a page with holes where the token goes, as plain and as deflated pieces."""

    __slots__ = ("deflated", "pieces")

    def __init__(self, html: str, placeholder: str) -> None:
        self.pieces = tuple(piece.encode() for piece in html.split(placeholder))
        self.deflated = tuple(_deflate(piece) for piece in self.pieces)


def join_plain(parts: Sequence[Spliced], token: str) -> bytes:
    raw = token.encode()
    return b"".join(raw.join(part.pieces) for part in parts)


def join_gzip(parts: Sequence[Spliced], token: str) -> bytes:
    raw = token.encode()
    stored = _stored(raw)
    plain = b"".join(raw.join(part.pieces) for part in parts)
    body = b"".join(stored.join(part.deflated) for part in parts)
    trailer = struct.pack("<II", zlib.crc32(plain), len(plain) & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, body, _FINAL_EMPTY_BLOCK, trailer))
