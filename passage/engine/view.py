"""``view``: what a state shows. Every renderer (web, terminal, JSON API) reads only this.

The authored choice list stays in the story; the view is the offered list for this
state: each choice enabled, or disabled with the author's reason, or hidden. Prose
is already safe HTML from compile time, so building a view does no rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from html import escape
from typing import Literal

from passage.engine.state import State
from passage.engine.step import enabled
from passage.story.expressions import Value
from passage.story.model import (
    Chance,
    Chapter,
    Choices,
    Ending,
    EndingClass,
    Jump,
    Outcome,
    Scene,
    Story,
    Variable,
    Waypoint,
)

__all__ = ["ChanceReveal", "OfferedChoice", "View", "view"]


@dataclass(frozen=True, slots=True)
class OfferedChoice:
    index: int  # pass this to step()
    key: str
    text_html: str
    text: str
    enabled: bool
    reason: str | None  # why it is disabled, in the author's words


@dataclass(frozen=True, slots=True)
class ChanceReveal:
    """The chance that brought the player here: what happened, and how likely it was."""

    scene: Scene
    outcome: Outcome
    probability: Fraction


@dataclass(frozen=True, slots=True)
class View:
    scene: Scene
    kind: Literal["choices", "chance", "jump", "ending"]
    choices: tuple[OfferedChoice, ...]
    chapter: Chapter
    waypoint: Waypoint
    ending: EndingClass | None
    epilogue_html: str
    epilogue_sources: tuple[str, ...]
    reveal: ChanceReveal | None
    turn: int
    variables: tuple[Variable, ...]
    values: tuple[Value, ...]

    @property
    def is_ending(self) -> bool:
        return self.kind == "ending"

    @property
    def status(self) -> tuple[tuple[str, str], ...]:
        """(label, value) of the variables the author labelled, for a status line."""
        shown = []
        for variable, value in zip(self.variables, self.values, strict=True):
            if variable.label:
                text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
                shown.append((variable.label, text))
        return tuple(shown)


def view(story: Story, state: State) -> View:
    scene = story.scenes[state.scene]
    exit_ = scene.exit
    ending: EndingClass | None = None
    epilogue = ""
    epilogue_sources: tuple[str, ...] = ()
    if isinstance(exit_, Choices):
        kind: Literal["choices", "chance", "jump", "ending"] = "choices"
        offered = []
        for index, choice in enumerate(exit_.choices):
            ok = enabled(choice, state)
            if ok or choice.reason is not None:
                offered.append(
                    OfferedChoice(
                        index,
                        choice.key,
                        choice.text_html,
                        choice.text,
                        ok,
                        None if ok else choice.reason,
                    )
                )
        choices = tuple(offered)
    elif isinstance(exit_, Chance):
        kind = "chance"
        choices = (
            OfferedChoice(0, f"{scene.id}.continue", escape(exit_.label), exit_.label, True, None),
        )
    elif isinstance(exit_, Jump):
        kind = "jump"
        branch = next(b for b in exit_.branches if enabled(b, state))
        choices = (OfferedChoice(0, branch.key, branch.text_html, branch.text, True, None),)
    else:
        assert isinstance(exit_, Ending)
        kind = "ending"
        choices = ()
        ending = story.endings[exit_.ending_class]
        epilogue, epilogue_sources = exit_.epilogue_html, exit_.sources
    return View(
        scene=scene,
        kind=kind,
        choices=choices,
        chapter=story.chapter_by_scene[scene.id],
        waypoint=story.waypoints[scene.waypoint],
        ending=ending,
        epilogue_html=epilogue,
        epilogue_sources=epilogue_sources,
        reveal=None if state.reveal is None else _reveal(story, state),
        turn=state.turn,
        variables=story.variables,
        values=state.values,
    )


def _reveal(story: Story, state: State) -> ChanceReveal | None:
    if state.reveal is None:
        return None
    scene = story.scenes.get(state.reveal.scene)
    if scene is None or not isinstance(scene.exit, Chance):
        return None
    outcomes = scene.exit.outcomes
    if not 0 <= state.reveal.outcome < len(outcomes):
        return None
    outcome = outcomes[state.reveal.outcome]
    return ChanceReveal(scene, outcome, outcome.probability)
