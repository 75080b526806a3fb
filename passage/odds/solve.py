"""``solve``: the whole odds report of a story, from the state graph to the numbers.

This is the one place that decides what a report contains: the random player,
optionally the best and worst player for a target class, the state-space census
and the content nobody can reach. Exact fractions are added when the graph is
small enough for them to be cheap (or when asked for).
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from passage.odds import exact
from passage.odds.census import space_report, unreached
from passage.odds.chain import Absorbing, policy_weights, unfinishable, uniform_weights
from passage.odds.graph import CHOICES, DEFAULT_MAX_STATES, ENDING, StateGraph, build
from passage.odds.policy import optimal_policy
from passage.odds.report import Distribution, OddsReport
from passage.story.model import Ending, Story

__all__ = ["OddsError", "check_finishable", "distribution", "random_player", "solve"]


class OddsError(Exception):
    """The odds are undefined or the request is wrong; the message says why and where."""


def solve(story: Story, target: str | None = None, max_states: int = DEFAULT_MAX_STATES,
          exact_mode: bool | None = None) -> OddsReport:
    """Exact odds of every ending for the random player (and best/worst for ``target``).

    ``exact_mode``: None adds fractions when cheap, True always (may be slow), False never.
    Raises :class:`OddsError` for an unknown target class or a story where a journey
    can get stuck, and ``SpaceTooLarge`` beyond ``max_states`` states.
    """
    began = time.perf_counter()
    if target is not None and target not in story.endings:
        known = ", ".join(story.endings) or "none"
        raise OddsError(f"unknown ending class {target!r} (declared: {known})")
    graph = build(story, max_states)
    check_finishable(graph)
    limits = _limits(exact_mode, graph)
    random_player = distribution(
        graph, uniform_weights(graph), "random",
        exact.uniform_fractions(graph) if limits else None, limits)
    best = worst = None
    if target is not None:
        is_target = _class_mask(graph, {target})
        ending = graph.kind() == ENDING
        best = _policy_distribution(graph, is_target, "best", limits)
        worst = _policy_distribution(graph, ending & ~is_target, "worst", limits)
    return OddsReport(
        story=story.id, version=story.version, space=space_report(graph),
        random=random_player, target=target, best=best, worst=worst,
        unreached=unreached(graph), exact=random_player.exact_classes is not None,
        seconds=time.perf_counter() - began,
    )


def random_player(story: Story, max_states: int = DEFAULT_MAX_STATES,
                  exact_mode: bool | None = None) -> Distribution:
    """Only the random player's distribution (what calibration needs)."""
    graph = build(story, max_states)
    check_finishable(graph)
    limits = _limits(exact_mode, graph)
    return distribution(graph, uniform_weights(graph), "random",
                        exact.uniform_fractions(graph) if limits else None, limits)


def check_finishable(graph: StateGraph) -> None:
    """Refuse graphs where a journey can get stuck or never end: odds need an ending."""
    stuck, trapped = unfinishable(graph)
    for problem, states in (("has no choice enabled", stuck),
                            ("cannot reach any ending", trapped)):
        if states.size:
            state = int(states[0])
            scene_id = graph.scene_ids[graph.scene[state]]
            scene = graph.story.scenes[scene_id]
            _, values, _ = graph.key(state)
            described = ", ".join(f"{v.name}={value!r}" for v, value
                                  in zip(graph.story.variables, values, strict=True))
            raise OddsError(
                f"{scene.location}: a journey in scene {scene_id!r} {problem}"
                + (f" (for example with {described})" if described else "")
                + f"; {states.size:,} such state(s). Run 'passage check' for details.")


def distribution(graph: StateGraph, weights: npt.NDArray[np.float64], player: str,
                 exact_weights: list[Fraction] | None = None,
                 limits: tuple[int, int] | None = None,
                 visits: npt.NDArray[np.float64] | None = None) -> Distribution:
    """Where journeys from the root end under edge ``weights``, and how long they take;
    with ``exact_weights``, also in fractions (unless the graph exceeds ``limits``)."""
    if visits is None:
        visits = Absorbing(graph, weights).occupation(graph.root)
    endings, classes, scenes, choices = _summarise(graph, visits)
    found = Distribution(player, endings, classes, scenes, choices)
    if exact_weights is None or limits is None:
        return found
    occupation = exact.occupation(graph, exact_weights, graph.root, *limits)
    if occupation is None:
        return found
    e_endings, e_classes, e_scenes, e_choices = _summarise_exact(graph, occupation)
    return replace(found, exact_endings=e_endings, exact_classes=e_classes,
                   exact_scenes=e_scenes, exact_choices=e_choices)


def _policy_distribution(graph: StateGraph, goal: npt.NDArray[np.bool_], player: str,
                         limits: tuple[int, int] | None) -> Distribution:
    """The best player for ``goal``: its ending distribution and where it chose what."""
    policy = optimal_policy(graph, goal)
    weights = policy_weights(graph, policy.chosen)
    visits = Absorbing(graph, weights).occupation(graph.root)
    exact_weights = exact.policy_fractions(graph, policy.chosen) if limits else None
    found = distribution(graph, weights, player, exact_weights, limits, visits)
    decisions: dict[str, dict[int, float]] = {}
    deciding = (graph.kind() == CHOICES) & (visits > 0) & (policy.chosen >= 0)
    for state in np.flatnonzero(deciding).tolist():
        scene_id = graph.scene_ids[graph.scene[state]]
        label = int(graph.label[policy.chosen[state]])
        taken = decisions.setdefault(scene_id, {})
        taken[label] = taken.get(label, 0.0) + float(visits[state])
    return replace(found, decisions=decisions)


def _summarise(graph: StateGraph,
               visits: npt.NDArray[np.float64]) -> tuple[dict[str, float], dict[str, float],
                                                        float, float]:
    """Ending and class probabilities, expected scenes and choices, from occupations."""
    story = graph.story
    kind = graph.kind()
    ending = kind == ENDING
    per_scene = np.bincount(graph.scene[ending], weights=visits[ending],
                            minlength=len(graph.scene_ids))
    endings: dict[str, float] = {}
    classes = dict.fromkeys(story.endings, 0.0)
    for number, scene_id in enumerate(graph.scene_ids):
        exit_ = story.scenes[scene_id].exit
        if isinstance(exit_, Ending):
            endings[scene_id] = float(per_scene[number])
            classes[exit_.ending_class] += float(per_scene[number])
    steps = float(visits[~ending].sum())
    choices = float(visits[kind == CHOICES].sum())
    return endings, classes, steps + 1, choices


def _summarise_exact(graph: StateGraph, visits: dict[int, Fraction]
                     ) -> tuple[dict[str, Fraction], dict[str, Fraction], Fraction, Fraction]:
    """The same as :func:`_summarise`, in fractions."""
    story = graph.story
    kind = graph.kind()
    endings = {s.id: Fraction(0) for s in story.scenes.values() if isinstance(s.exit, Ending)}
    classes = dict.fromkeys(story.endings, Fraction(0))
    steps = choices = Fraction(0)
    for state, amount in visits.items():
        scene = story.scenes[graph.scene_ids[graph.scene[state]]]
        if isinstance(scene.exit, Ending):
            endings[scene.id] += amount
            classes[scene.exit.ending_class] += amount
        else:
            steps += amount
            if kind[state] == CHOICES:
                choices += amount
    return endings, classes, steps + 1, choices


def _class_mask(graph: StateGraph, wanted: set[str]) -> npt.NDArray[np.bool_]:
    """States at an ending scene whose class is in ``wanted``."""
    flags = []
    for scene_id in graph.scene_ids:
        exit_ = graph.story.scenes[scene_id].exit
        flags.append(isinstance(exit_, Ending) and exit_.ending_class in wanted)
    return np.array(flags, dtype=bool)[graph.scene]


def _limits(exact_mode: bool | None, graph: StateGraph) -> tuple[int, int] | None:
    """Size limits for the exact solver, or None when fractions are not wanted."""
    if exact_mode is False:
        return None
    if exact_mode is True:
        return (2**62, 2**62)
    if graph.edge_count > exact.MAX_EXACT_EDGES:
        return None
    return (exact.MAX_EXACT_EDGES, exact.MAX_EXACT_LOOP)
