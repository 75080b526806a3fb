"""Jinja2 templates and the per-scene fragment cache.

Templates hold the markup; Python hands them values. What does not change between
players (a scene's prose, facts and explore items) is rendered once per scene and
kept, so a step renders only what depends on the state: the reveal, the choices,
the map and the links. Autoescaping is on everywhere: story text reaches the page
only as the compiler's safe HTML or as escaped text.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from passage.story.model import Scene, Source, Story

__all__ = ["STATIC_FILES", "Templates", "percent"]

STATIC_FILES = ("passage.css", "passage.js", "favicon.svg", "map/basemap.svg")


def percent(value: Fraction | float) -> str:
    """A share for readers: "60%", "about 33%", "less than 1%"."""
    number = float(value) * 100
    if 0 < number < 1:
        return "less than 1%"
    if number.is_integer():
        return f"{number:.0f}%"
    return f"about {number:.0f}%"


def _source_label(source: Source) -> str:
    return f"{source.publisher}, {source.date}" if source.date else source.publisher


class Templates:
    """The Jinja environment for one story, with cache-busting static URLs."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.env = Environment(
            loader=PackageLoader("passage.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.static_versions = {name: _digest(name) for name in STATIC_FILES}
        self.env.globals.update(
            story=story,
            static=self.static_url,
            percent=percent,
            source_label=_source_label,
        )
        self.scene_body = lru_cache(maxsize=None)(self._scene_body)

    def static_url(self, name: str) -> str:
        return f"/static/{name}?v={self.static_versions[name]}"

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def _scene_body(self, scene_id: str, brief: bool) -> Markup:
        """Prose (or the summary when stepping past), facts and explore items of one scene."""
        scene: Scene = self.story.scenes[scene_id]
        prose = scene.summary_html if brief and scene.summary_html else scene.prose_html
        html = self.render("_scene_body.html", scene=scene, prose=Markup(_media_urls(prose)),
                           brief=brief, explores=[
                               (item, Markup(_media_urls(item.html))) for item in scene.explores])
        return Markup(html)


def _media_urls(html: str) -> str:
    """Compiled HTML names pictures relative to the story folder; pages live under /play/."""
    return html.replace(' src="media/', ' src="/media/')


def _digest(name: str) -> str:
    data = resources.files("passage.web").joinpath("static", name).read_bytes()
    return hashlib.blake2b(data, digest_size=6).hexdigest()
