"""The journey map: the generated Natural Earth base map plus the story's route and position.

``scripts/build-map`` projects the base map once and writes its projection next to
it (``static/map/basemap.json``); here the same projection places the story's
waypoints. The page gets a small inline SVG (route, trail, position) over the
cached base-map image, so each step adds a few hundred bytes, not a map.
The drawing is decorative for screen readers; the page prints the same
information as text beside it (see the templates).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from markupsafe import Markup, escape

from passage.story.model import Story

__all__ = ["BaseMap", "MapRenderer", "load_basemap"]


@dataclass(frozen=True, slots=True)
class BaseMap:
    west: float
    north: float
    center_lat: float
    scale: float
    width: float
    height: float

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """The same equirectangular projection as scripts/build-map."""
        x = (lon - self.west) * self.scale * math.cos(math.radians(self.center_lat))
        return x, (self.north - lat) * self.scale


def load_basemap() -> BaseMap:
    text = resources.files("passage.web").joinpath("static/map/basemap.json").read_text()
    meta = json.loads(text)
    return BaseMap(float(meta["west"]), float(meta["north"]), float(meta["center_lat"]),
                   float(meta["scale"]), float(meta["width"]), float(meta["height"]))


class MapRenderer:
    """Draws one story's map for a trail of waypoint keys; results are cached per trail."""

    def __init__(self, story: Story, image_url: str, basemap: BaseMap | None = None) -> None:
        self.basemap = basemap or load_basemap()
        self.image_url = image_url
        self.points = {key: self.basemap.project(w.lon, w.lat)
                       for key, w in story.waypoints.items()}
        self.view_box = self._fit(list(self.points.values()))
        self.marker = self.view_box[2] / 55
        route = list(story.waypoints)
        self._route = _polyline([self.points[k] for k in route])
        self.render = lru_cache(maxsize=4096)(self._render)

    def _fit(self, points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
        """A view box around every waypoint with some context, clamped to the base map."""
        base = self.basemap
        if not points:
            return 0.0, 0.0, base.width, base.height
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        width = max(max(xs) - min(xs), 120.0) * 1.5
        height = max(max(ys) - min(ys), 90.0) * 1.5
        height = min(max(height, width * 0.6), width * 1.25)
        width = max(width, height / 1.25)
        width, height = min(width, base.width), min(height, base.height)
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        x = min(max(cx - width / 2, 0.0), base.width - width)
        y = min(max(cy - height / 2, 0.0), base.height - height)
        return round(x, 1), round(y, 1), round(width, 1), round(height, 1)

    def _render(self, trail: tuple[str, ...], here: str) -> Markup:
        x, y, w, h = self.view_box
        trail_points = [self.points[k] for k in trail if k in self.points]
        r = self.marker
        stops = "".join(f'<circle class="stop" cx="{px:.1f}" cy="{py:.1f}" r="{r * 0.45:.2f}"/>'
                        for px, py in self.points.values())
        parts = [
            f'<svg class="map-svg" viewBox="{x} {y} {w} {h}" aria-hidden="true" '
            'focusable="false" xmlns="http://www.w3.org/2000/svg">',
            f'<image href="{escape(self.image_url)}" x="0" y="0" '
            f'width="{self.basemap.width}" height="{self.basemap.height}"/>',
        ]
        if self._route:
            parts.append(f'<polyline class="route" points="{self._route}"/>')
        parts.append(f'<g class="stops">{stops}</g>')
        if len(trail_points) > 1:
            parts.append(f'<polyline class="trail" points="{_polyline(trail_points)}"/>')
        if here in self.points:
            hx, hy = self.points[here]
            parts.append(f'<circle class="here" cx="{hx:.1f}" cy="{hy:.1f}" r="{r:.2f}"/>')
        parts.append("</svg>")
        return Markup("".join(parts))


def _polyline(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
