"""A journey page, composed from parts that are each rendered once and then reused.

What a journey page shows depends on different parts of the state: the skeleton
(title, prose, content note, debrief) on the scene and the reader's wishes only;
the chance reveal on ``state.reveal``; the choices on which of them are open; the
map on the trail; the status on the labelled values. Rendering each part once per
key and joining the parts makes a step cost a few dictionary look-ups instead of a
template render, for a story with many variables as much as for a small one
(caching only whole pages by state would miss most of the time; they are cached
too, as lists of shared parts, which serves a small story in one look-up). The
links in every part carry the state's token, so parts are kept cut at the token
(``splice``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from markupsafe import Markup

from passage.engine import State, View, view
from passage.story.model import Source, Story
from passage.web.maps import MapRenderer
from passage.web.others import SLOT as OTHERS_SLOT
from passage.web.splice import Spliced
from passage.web.templating import Templates

__all__ = ["CACHE_SIZE", "JourneyRenderer", "OddsRows", "Wishes"]

CACHE_SIZE = 8192  # entries per kind of part; a full cache is emptied and refilled
_SLOTS = ("reveal", "choices", "map", "status", "others")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Wishes:
    """What the request asks for besides the state: privacy, and stepping past a scene."""

    nostats: bool
    brief: bool
    private_reason: str

    @property
    def suffix(self) -> str:
        return "?nostats=1" if self.nostats else ""


@dataclass(frozen=True, slots=True)
class OddsRows:
    """Figures a page shows; hashable, so pages showing the same figures share a skeleton."""

    rows: tuple[tuple[str, float, bool], ...]  # (label, share, is the player's)
    basis: str
    scene_title: str = ""


class JourneyRenderer:
    """Renders journey pages of one story as lists of :class:`Spliced` parts."""

    def __init__(self, story: Story, templates: Templates, maps: MapRenderer,
                 recording: bool) -> None:
        self.story = story
        self.templates = templates
        self.maps = maps
        self.recording = recording
        nonce = secrets.token_hex(16)  # no story text can contain it
        self.placeholder = f"~{nonce}~"
        self._slot = re.compile(rf"~{nonce}:(\w+)~")
        self._caches: dict[str, dict[Hashable, Any]] = {
            name: {} for name in ("page", "skeleton", *_SLOTS)}

    def cached(self, state: State, wishes: Wishes) -> list[Spliced]:
        """The parts of the page of ``state``, from the page cache when the same
        situation was shown before (one look-up), else composed from cached parts."""
        key = (state.scene, state.values, state.visits, state.trail, state.reveal, wishes)
        return self._cached("page", key, lambda: self.render(
            state, view(self.story, state), wishes))

    def render(self, state: State, view: View, wishes: Wishes,
               after_odds: OddsRows | None = None,
               ending_odds: OddsRows | None = None) -> list[Spliced]:
        # Keyed by the figures too: exact odds never change, so an ending's skeleton is
        # rendered once; figures that do change (statistics) make new entries, bounded
        # like every cache here.
        skeleton = self._cached("skeleton", (view.scene.id, wishes, after_odds, ending_odds),
                                lambda: self._skeleton(view, wishes, after_odds, ending_odds))
        parts: list[Spliced] = []
        for item in skeleton:
            parts.append(item if isinstance(item, Spliced)
                         else self._part(item, state, view, wishes))
        return parts

    def _cached(self, kind: str, key: Hashable, build: Callable[[], _T]) -> _T:
        cache = self._caches[kind]
        found = cache.get(key)
        if found is None:
            if len(cache) >= CACHE_SIZE:
                cache.clear()
            found = cache[key] = build()
        return found

    def _spliced(self, template: str, **context: Any) -> Spliced:
        return Spliced(self.templates.render(template, **context), self.placeholder)

    def _part(self, slot: str, state: State, view: View, wishes: Wishes) -> Spliced:
        if slot == "others":  # "how others chose": filled per request (passage.web.others)
            return OTHERS_SLOT
        if slot == "reveal":
            return self._cached("reveal", state.reveal, lambda: self._spliced(
                "_reveal.html", reveal=view.reveal))
        if slot == "choices":
            offered = tuple((c.key, c.enabled) for c in view.choices)
            return self._cached("choices", (view.scene.id, offered, wishes.nostats),
                                lambda: self._spliced(
                                    "_choices.html", choices=view.choices, kind=view.kind,
                                    token=self.placeholder, suffix=wishes.suffix))
        if slot == "map":
            here = "" if view.is_ending else view.waypoint.key
            return self._cached("map", (state.trail, here), lambda: self._spliced(
                "_map.html", map_svg=self.maps.render(state.trail, here),
                trail=[self.story.waypoints[k] for k in state.trail
                       if k in self.story.waypoints],
                ending=view.is_ending, waypoint=view.waypoint))
        return self._cached("status", view.status, lambda: self._spliced(
            "_status.html", status=view.status))

    def _skeleton(self, view: View, wishes: Wishes, after_odds: OddsRows | None,
                  ending_odds: OddsRows | None) -> tuple[Spliced | str, ...]:
        """Everything of the page that depends on the scene, with slots for the rest."""
        story = self.story
        brief = wishes.brief and bool(view.scene.summary_html)
        suffix = wishes.suffix
        here = f"/play/{self.placeholder}"
        slots = {name: Markup(f"~{self.placeholder[1:-1]}:{name}~") for name in _SLOTS}
        html = self.templates.render(
            "scene.html",
            view=view, slots=slots, suffix=suffix, brief=brief,
            notes=[story.content_notes.get(n, n) for n in view.scene.notes],
            body=self.templates.scene_body(view.scene.id, brief),
            after_odds=after_odds,
            ending_odds=ending_odds,
            reading=self._reading(view),
            here=here + suffix,
            here_brief=here + (suffix + "&" if suffix else "?") + "brief=1",
            here_nostats=here + "?nostats=1",
            here_stats=here,
            recording=self.recording,
            private_reason=wishes.private_reason,
            opted_out=wishes.nostats,
        )
        pieces = self._slot.split(html)  # text, slot name, text, slot name, ..., text
        return tuple(Spliced(piece, self.placeholder) if i % 2 == 0 else piece
                     for i, piece in enumerate(pieces))

    def _reading(self, view: View) -> list[Source]:
        """Further reading at an ending: the sources its epilogue cites that can be opened."""
        sources = self.story.sources
        return [sources[k] for k in view.epilogue_sources if k in sources and sources[k].url]
