"""Pre-compressed pages with the token spliced in are valid gzip of the plain page."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from passage.web.splice import SplicedPage

from .conftest import Client, first_page

_TOKEN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                 max_size=1024)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), min_size=1, max_size=8), _TOKEN)
def test_spliced_gzip_decompresses_to_the_plain_page(pieces: list[str], token: str) -> None:
    page = SplicedPage(tuple(pieces))
    assert page.plain(token) == token.join(pieces).encode()
    assert gzip.decompress(page.gzip(token)) == page.plain(token)


def test_large_pieces_and_tokens() -> None:
    page = SplicedPage(("a" * 200_000, "b" * 70_000, ""))
    token = "T" * 70_000  # longer than one stored block
    assert gzip.decompress(page.gzip(token)) == page.plain(token)


def test_served_pages_are_the_same_compressed_or_not(client: Client) -> None:
    url = first_page(client)
    plain = client.get(url, headers={"accept-encoding": "identity"})
    packed = client.get(url, headers={"accept-encoding": "gzip, deflate"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.text == plain.text  # httpx decompressed it
