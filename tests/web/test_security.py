"""Security headers, a strict policy, no cookies, no inline script or style, on every page type."""

from __future__ import annotations

import pytest

from passage.story import Story

from .conftest import Client, first_page
from .htmlcheck import audit
from .journeys import path_to, seed_for, token_of


def _page_urls(client: Client, story: Story) -> dict[str, str]:
    ending = path_to(story, [0, 0, 0, 0], seed_for(story, [0, 0, 0, 0], "far-bank-end"))
    return {
        "landing": "/",
        "scene": first_page(client),
        "chance": f"/play/{token_of(story, path_to(story, [0, 0]))}",
        "ending": f"/play/{token_of(story, ending)}",
        "sources": "/sources",
        "about": "/about",
        "privacy": "/privacy",
        "not-found": "/nope",
        "bad-token": "/play/garbled",
    }


def test_every_page_type_sends_the_security_headers(client: Client, story: Story) -> None:
    for name, url in _page_urls(client, story).items():
        response = client.get(url)
        headers = response.headers
        policy = headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        assert "default-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in headers, name
        page = audit(response.text)
        assert page.problems == [], (name, page.problems)


@pytest.mark.parametrize("url", ["/static/passage.css", "/static/passage.js", "/healthz",
                                 "/api/v1/story", "/api/openapi.json"])
def test_other_responses_get_the_headers_too(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers


def test_static_files_are_cached_when_versioned(client: Client) -> None:
    page = client.get("/").text
    css = next(link for link in audit(page).links if link.startswith("/static/passage.css?v="))
    response = client.get(css)
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_pages_are_compressed_for_browsers_that_ask(client: Client) -> None:
    response = client.get(first_page(client), headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


def test_journey_pages_are_not_stored_by_shared_caches(client: Client) -> None:
    assert client.get(first_page(client)).headers["cache-control"] == "private, max-age=0"
    assert client.get("/begin").headers["cache-control"] == "no-store"
