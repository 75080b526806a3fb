""""How others chose" on journey pages: after a choice, and in the ending debrief.

The figures come from a :class:`~passage.analytics.events.ChoiceStats` provider
(nothing below 20 journeys) and change every few seconds, while the rest of a
journey page is cached for as long as the process lives. So pages keep an
``others`` slot holding :data:`SLOT`, and each request swaps in the current
fragment: rendered and compressed once per figures (the provider's
``generation``), never a whole page again because a count moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from passage.analytics.display import Shares, choice_shares, ending_shares
from passage.analytics.events import ChoiceStats
from passage.engine import State
from passage.story.model import Choices, Ending, Story
from passage.web.splice import Spliced
from passage.web.templating import Templates

__all__ = ["SLOT", "Others", "about"]

SLOT = Spliced("", "~")  # where the fragment goes in cached page parts (empty if no stats)
_EMPTY = Spliced("", "~")


@dataclass(frozen=True, slots=True)
class _Figures:
    """What the fragment shows; its hash is computed once (it keys the fragment cache)."""

    kind: str  # "choice" or "ending"
    scene_title: str
    shares: Shares
    total: str  # "57", "about 1,200"
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.kind, self.scene_title, self.shares,
                                                self.total)))

    def __hash__(self) -> int:
        return self._hash


def about(total: int) -> str:
    """A total as pages say it: exact below 100, else two significant figures ("about
    1,200"): no false precision, and fewer fragments to render as counts grow."""
    if total < 100:
        return f"{total:,}"
    digits = len(str(total)) - 2
    return f"about {total // 10**digits * 10**digits:,}"


class Others:
    """Fills the ``others`` slot of journey pages for one story."""

    def __init__(self, story: Story, stats: ChoiceStats, templates: Templates) -> None:
        self.story = story
        self.stats = stats
        self.templates = templates
        self._generation: object = object()
        self._figures: dict[tuple[object, ...], _Figures | None] = {}
        self._fragments: dict[_Figures, Spliced] = {}

    def fill(self, parts: Sequence[Spliced], state: State, before: State | None,
             choice: int | None) -> list[Spliced]:
        fragment = self.fragment(state, before, choice)
        return [fragment if part is SLOT else part for part in parts]

    def fragment(self, state: State, before: State | None, choice: int | None) -> Spliced:
        figures = self.figures(state, before, choice)
        if figures is None:
            return _EMPTY
        found = self._fragments.get(figures)
        if found is None:
            found = Spliced(self.templates.render("_others.html", others=figures), "~")
            self._fragments[figures] = found
        return found

    def figures(self, state: State, before: State | None,
                choice: int | None) -> _Figures | None:
        """After a choice: how others chose at the scene just left; at an ending: how
        journeys ended. None below the privacy threshold (or when the provider fails)."""
        ending = self.story.scenes[state.scene].exit
        if isinstance(ending, Ending):
            key: tuple[object, ...] = ("ending", ending.ending_class)
        elif before is not None and choice is not None:
            key = ("choice", before.scene, choice)
        else:
            return None
        generation = getattr(self.stats, "generation", None)
        if generation is None:  # a provider that cannot say when figures change
            return self._figure(key)
        if generation != self._generation:
            self._figures.clear()
            self._fragments.clear()
            self._generation = generation
        if key not in self._figures:
            self._figures[key] = self._figure(key)
        return self._figures[key]

    def _figure(self, key: tuple[object, ...]) -> _Figures | None:
        story = self.story
        if key[0] == "ending":
            shares = ending_shares(self.stats, story, yours=str(key[1]))
            return _Figures("ending", "", shares, about(shares.total)) if shares else None
        _, scene_id, choice = key
        left = story.scenes[str(scene_id)]
        if not (isinstance(left.exit, Choices) and isinstance(choice, int)
                and 0 <= choice < len(left.exit.choices)):
            return None
        shares = choice_shares(self.stats, story, left.id, chosen=left.exit.choices[choice].key)
        return _Figures("choice", left.title, shares, about(shares.total)) if shares else None
