"""The HTML pages of the example story, through the real app and engine."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

from passage.story import Story, compile_story
from passage.web import create_app

from .conftest import EXAMPLE, KEY, Client, first_page
from .htmlcheck import audit
from .journeys import path_to, seed_for, token_of


def _choice_links(html: str) -> list[str]:
    return re.findall(r'<a class="choice" href="([^"]+)"', html)


def test_landing_has_premise_content_note_and_begin(client: Client, story: Story) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert story.summary in page.text
    assert "Content note" in page.text
    assert "This scene describes an arrest." in page.text
    assert 'href="/begin"' in page.text
    assert "How this story is sourced" in page.text
    assert '<html lang="en">' in page.text


def test_begin_redirects_to_a_fresh_journey_each_time(client: Client) -> None:
    one, two = first_page(client), first_page(client)
    assert one.startswith("/play/") and two.startswith("/play/")
    assert one != two  # a new random seed per journey
    page = client.get(one)
    assert page.status_code == 200
    assert "<h1 id=\"scene-title\">The kitchen</h1>" in page.text
    assert len(_choice_links(page.text)) == 2


def test_following_a_choice_link_moves_the_journey_and_reload_is_safe(client: Client) -> None:
    page = client.get(first_page(client))
    call = _choice_links(page.text)[0]
    assert re.fullmatch(r"/play/[A-Za-z0-9_-]+/0", call)
    after = client.get(call)
    assert after.status_code == 200
    assert ">The call</h1>" in after.text
    assert client.get(call).text == after.text  # reload: same page, nothing re-rolled


def test_the_back_button_url_still_shows_the_earlier_page(client: Client) -> None:
    start = first_page(client)
    before = client.get(start).text
    client.get(_choice_links(before)[0])
    assert client.get(start).text == before


def test_disabled_choice_is_shown_with_its_reason_and_no_link(client: Client,
                                                              story: Story) -> None:
    state = path_to(story, [1, 0, 0])  # the third day of waiting
    page = client.get(f"/play/{token_of(story, state)}")
    assert "Wait another day" in page.text
    assert "You cannot wait any longer." in page.text
    disabled = re.search(r'<li class="disabled"><span class="choice" aria-disabled="true">'
                         r"Wait another day</span>", page.text)
    assert disabled is not None
    assert not any(link.endswith("/0") for link in _choice_links(page.text))


def test_taking_a_disabled_or_missing_choice_gets_a_friendly_page(client: Client,
                                                                  story: Story) -> None:
    token = token_of(story, path_to(story, [1, 0, 0]))
    for url in (f"/play/{token}/0", f"/play/{token}/9", f"/play/{token}/99999999999999999999"):
        page = client.get(url)
        assert page.status_code == 400
        assert "That choice isn't open here" in html.unescape(page.text)
        assert f'href="/play/{token}"' in page.text


def test_content_note_offers_a_summary_instead(client: Client, story: Story) -> None:
    token = token_of(story, path_to(story, [1, 0, 0, 3]))  # market: the jump to questioning
    page = client.get(f"/play/{token}")
    assert "kind-jump" in page.text
    questioned = client.get(_choice_links(page.text)[0])
    assert ">Questioned</h1>" in questioned.text
    assert "This scene describes an arrest." in questioned.text
    assert "Two men stop me" in questioned.text
    brief_link = re.search(r'href="([^"]+\?brief=1)"', questioned.text)
    assert brief_link is not None
    brief = client.get(brief_link.group(1).replace("&amp;", "&"))
    assert "She is questioned about the phone and let go" in brief.text
    assert "Two men stop me" not in brief.text
    assert "Read the full scene" in brief.text
    assert _choice_links(brief.text) == _choice_links(questioned.text)


def test_chance_reveal_says_what_happened_and_how_likely(client: Client, story: Story) -> None:
    seed = seed_for(story, [0, 0, 0], "caught")
    river = path_to(story, [0, 0], seed)
    page = client.get(f"/play/{token_of(story, river)}")
    assert "Step into the water" in page.text
    caught = client.get(_choice_links(page.text)[0])
    assert "Chance decided" in caught.text
    assert "A torch beam finds me" in caught.text
    assert "this happens in 40% of journeys" in caught.text
    assert "/sources#source-tjwg-2024" in caught.text


def test_ending_has_a_debrief(client: Client, story: Story) -> None:
    seed = seed_for(story, [0, 0, 0, 0], "far-bank-end")
    state = path_to(story, [0, 0, 0, 0], seed)
    page = client.get(f"/play/{token_of(story, state)}")
    text = page.text
    assert "Where this journey ended: Reached the far bank" in text
    assert "What the record says" in text
    assert "Crossing is only the beginning" in text
    assert "Further reading" in text
    assert 'href="https://www.unikorea.go.kr/eng_unikorea/whatwedo/support/"' in text
    assert 'href="/begin"' in text and "Start again" in text
    assert "The path this journey took: North Hamgyong Province (North Korea) → " in text
    assert 'class="trail"' in text
    assert _choice_links(text) == []
    assert "How journeys end" not in text  # no odds provider: no figures


def test_sources_page_entries_are_linkable_from_every_card(client: Client,
                                                          story: Story) -> None:
    sources = audit(client.get("/sources").text)
    assert {f"source-{key}" for key in story.sources} <= sources.ids
    page = client.get(first_page(client)).text
    for link in re.findall(r'href="/sources#([^"]+)"', page):
        assert link in sources.ids


def test_about_and_privacy_pages(client: Client, story: Story) -> None:
    about = client.get("/about")
    assert about.status_code == 200 and "About this documentary" in about.text
    privacy = client.get("/privacy")
    assert privacy.status_code == 200
    assert "sets no cookies" in privacy.text
    assert "does not record choice statistics" in privacy.text  # no sink configured


def test_unknown_pages_get_a_friendly_404(client: Client) -> None:
    for url in ("/nope", "/play/", "/play/abc/def", "/static/nope.css", "/media/none.png"):
        page = client.get(url)
        assert page.status_code == 404, url
        if "text/html" in page.headers["content-type"]:
            assert "There is no page here" in page.text
            assert 'href="/begin"' in page.text


def test_wrong_method_is_a_friendly_error(client: Client) -> None:
    page = client.post("/about")
    assert page.status_code == 405
    assert "There is no page here" in page.text


def test_map_shows_route_trail_and_position_with_a_text_alternative(client: Client,
                                                                   story: Story) -> None:
    state = path_to(story, [0, 0])  # at the river: two waypoints on the trail
    text = client.get(f"/play/{token_of(story, state)}").text
    assert 'class="route"' in text and 'class="trail"' in text and 'class="here"' in text
    assert '<figure class="map" aria-labelledby="map-caption">' in text
    assert ("Your route so far: North Hamgyong Province (North Korea) → "
            "The Tumen River border (North Korea / China).") in text
    assert "You are now in The Tumen River border" in text


def test_pictures_point_to_the_media_route(client: Client, story: Story) -> None:
    text = client.get(f"/play/{token_of(story, path_to(story, [0, 0]))}").text
    assert 'src="/media/river.svg"' in text
    picture = client.get("/media/river.svg")
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/svg+xml"


def test_a_content_note_without_a_summary_lets_the_reader_skip_ahead(tmp_path: Path) -> None:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    chapter = folder / "chapters" / "01-home.md"
    chapter.write_text(chapter.read_text().replace(
        "::: summary\nShe is questioned about the phone and let go, frightened.\n:::\n", ""))
    story = compile_story(folder)
    client = Client(create_app(story, KEY))
    state = path_to(story, [1, 0, 0, 3, 0])
    assert state.scene == "questioned"
    page = client.get(f"/play/{token_of(story, state)}").text
    assert "This scene describes an arrest." in page
    assert '<a href="#choices">Step past: skip this scene' in page
    assert 'id="choices"' in page
    assert "?brief=1" not in page


def test_journey_pages_refuse_other_methods_and_answer_head(client: Client) -> None:
    url = first_page(client)
    posted = client.post(url)
    assert posted.status_code == 405 and posted.headers["allow"] == "GET, HEAD"
    assert "There is no page here" in posted.text
    assert posted.headers["x-content-type-options"] == "nosniff"
    head = client.request("HEAD", url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == client.get(url).headers["content-length"]


def test_an_unexpected_failure_on_a_journey_page_is_a_friendly_500(story: Story) -> None:
    app = create_app(story, KEY)
    client = Client(app)
    url = first_page(client)

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    app.journey_route.renderer.cached = broken  # type: ignore[method-assign,assignment]
    page = client.get(url)
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text and "RuntimeError" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
