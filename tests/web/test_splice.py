"""Pre-compressed pages with the token spliced in are valid gzip of the plain page."""

from __future__ import annotations

import gzip

from hypothesis import given, settings
from hypothesis import strategies as st

from passage.web.splice import Spliced, join_gzip, join_plain

from .conftest import Client, first_page

_TOKEN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                 max_size=1024)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab~hole<>", max_size=300), min_size=0, max_size=8), _TOKEN)
def test_spliced_gzip_decompresses_to_the_plain_page(parts: list[str], token: str) -> None:
    spliced = [Spliced(part, "~hole~") for part in parts]
    plain = join_plain(spliced, token)
    assert plain == "".join(part.replace("~hole~", token) for part in parts).encode()
    assert gzip.decompress(join_gzip(spliced, token)) == plain


def test_large_pieces_and_tokens() -> None:
    parts = [Spliced("a" * 200_000 + "~hole~" + "b" * 70_000 + "~hole~", "~hole~")]
    token = "T" * 70_000  # longer than one stored block
    assert gzip.decompress(join_gzip(parts, token)) == join_plain(parts, token)


def test_served_pages_are_the_same_compressed_or_not(client: Client) -> None:
    url = first_page(client)
    plain = client.get(url, headers={"accept-encoding": "identity"})
    packed = client.get(url, headers={"accept-encoding": "gzip, deflate"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.text == plain.text  # httpx decompressed it
