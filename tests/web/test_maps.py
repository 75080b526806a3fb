"""The map: projection matches the generated base map; drawing per trail."""

from __future__ import annotations

import json
from pathlib import Path

from passage.story import Story
from passage.web.maps import MapRenderer, load_basemap

STATIC = Path(__file__).resolve().parents[2] / "passage" / "web" / "static" / "map"


def test_the_generated_base_map_is_committed_and_small() -> None:
    svg = (STATIC / "basemap.svg").read_text()
    meta = json.loads((STATIC / "basemap.json").read_text())
    assert svg.startswith("<svg") and "Natural Earth" in svg
    assert f'viewBox="0 0 {meta["width"]:.0f} {meta["height"]:.0f}"' in svg
    assert len(svg) < 60_000


def test_projection_puts_places_where_they_belong() -> None:
    base = load_basemap()
    pyongyang = base.project(125.75, 39.02)
    bangkok = base.project(100.5, 13.75)
    assert 0 < bangkok[0] < pyongyang[0] < base.width  # Bangkok is west of Pyongyang
    assert 0 < pyongyang[1] < bangkok[1] < base.height  # and south of it


def test_drawing_follows_the_trail(story: Story) -> None:
    maps = MapRenderer(story, "/static/map/basemap.svg")
    start = maps.render(("home",), "home")
    assert 'class="here"' in start and 'class="trail"' not in start
    later = maps.render(("home", "border", "jilin"), "jilin")
    assert later.count(",") >= 3 and 'class="trail"' in later
    assert 'aria-hidden="true"' in later
    x, y, w, h = maps.view_box
    for px, py in maps.points.values():
        assert x <= px <= x + w and y <= py <= y + h
    ending = maps.render(("home", "border"), "")
    assert 'class="here"' not in ending
