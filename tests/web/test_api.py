"""The JSON API: start, view, choose, with the same tokens and errors as the pages."""

from __future__ import annotations

from passage.story import Story

from .conftest import Client
from .journeys import path_to, token_of


def test_start_view_and_choose(client: Client) -> None:
    started = client.post("/api/v1/journeys", json={"seed": 42})
    assert started.status_code == 201
    body = started.json()
    assert body["view"]["scene"]["id"] == "kitchen"
    assert body["view"]["kind"] == "choices"
    assert [c["text"] for c in body["view"]["choices"]] == ["Call my sister",
                                                           "Leave the phone where it is"]
    again = client.get(f"/api/v1/journeys/{body['token']}")
    assert again.status_code == 200 and again.json() == body
    moved = client.post(f"/api/v1/journeys/{body['token']}/choices", json={"choice": 0})
    assert moved.status_code == 200
    assert moved.json()["view"]["scene"]["id"] == "call"
    assert moved.json()["view"]["turn"] == 1


def test_the_same_seed_gives_the_same_journey(client: Client) -> None:
    one = client.post("/api/v1/journeys", json={"seed": 5}).json()
    two = client.post("/api/v1/journeys", json={"seed": 5}).json()
    assert one == two
    assert client.post("/api/v1/journeys").status_code == 201  # no body: a random seed


def test_tokens_work_across_api_and_pages(client: Client) -> None:
    token = client.post("/api/v1/journeys", json={"seed": 8}).json()["token"]
    page = client.get(f"/play/{token}")
    assert page.status_code == 200 and ">The kitchen</h1>" in page.text


def test_disabled_choice_has_its_reason(client: Client, story: Story) -> None:
    token = token_of(story, path_to(story, [1, 0, 0]))
    view = client.get(f"/api/v1/journeys/{token}").json()["view"]
    wait = next(c for c in view["choices"] if c["text"] == "Wait another day")
    assert wait == {**wait, "enabled": False, "reason": "You cannot wait any longer."}
    refused = client.post(f"/api/v1/journeys/{token}/choices", json={"choice": wait["index"]})
    assert refused.status_code == 409
    assert refused.json()["error"] == "choice-unavailable"


def test_reveal_and_ending(client: Client, story: Story) -> None:
    token = token_of(story, path_to(story, [1, 2]))  # stayed home: an ending
    view = client.get(f"/api/v1/journeys/{token}").json()["view"]
    assert view["kind"] == "ending" and view["choices"] == []
    assert view["ending"]["class"] == "stayed"
    assert view["ending"]["sources"] == ["mou-arrivals"]
    river = token_of(story, path_to(story, [0, 0]))
    after = client.post(f"/api/v1/journeys/{river}/choices", json={"choice": 0}).json()["view"]
    assert after["reveal"]["scene"] == "river-eve"
    assert after["reveal"]["probability"] in (0.6, 0.4)
    assert after["reveal"]["probability_exact"] in ("3/5", "2/5")


def test_errors_are_json_with_a_code(client: Client) -> None:
    cases = [
        (client.get("/api/v1/journeys/garbled"), 400, "token-malformed"),
        (client.post("/api/v1/journeys", content=b"{not json"), 400, "bad-json"),
        (client.post("/api/v1/journeys", json=[1, 2]), 400, "bad-json"),
        (client.post("/api/v1/journeys", json={"seed": -1}), 400, "bad-seed"),
        (client.post("/api/v1/journeys", json={"seed": True}), 400, "bad-seed"),
        (client.post("/api/v1/journeys", json={"seed": 2**64}), 400, "bad-seed"),
        (client.post("/api/v1/journeys", content=b" " * 5000), 413, "too-large"),
        (client.get("/api/v1/nothing"), 404, "not-found"),
        (client.post("/api/v1/story"), 405, "method-not-allowed"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.text)
        assert response.json()["error"] == code
    token = client.post("/api/v1/journeys", json={"seed": 1}).json()["token"]
    for body in ({}, {"choice": "0"}, {"choice": 1.5}, {"choice": None}):
        bad = client.post(f"/api/v1/journeys/{token}/choices", json=body)
        assert bad.status_code == 400 and bad.json()["error"] == "bad-choice"


def test_story_and_openapi_description(client: Client, story: Story) -> None:
    info = client.get("/api/v1/story").json()
    assert info["id"] == "example" and len(info["sources"]) == len(story.sources)
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/api/v1/story", "/api/v1/journeys", "/api/v1/journeys/{token}",
                                  "/api/v1/journeys/{token}/choices"}
