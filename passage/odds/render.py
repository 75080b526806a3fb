"""Terminal tables for ``passage odds``: what an author reads, in the story's own words.

Ending classes are shown by their titles, choices by their text; exact fractions
are shown next to percentages when the solver produced them.
"""

from __future__ import annotations

from fractions import Fraction

from rich.console import Console
from rich.table import Table

from passage.odds.calibrate import BandCheck
from passage.odds.report import Distribution, OddsReport
from passage.odds.simulate import SIGMAS, Agreement
from passage.story.model import Choices, Ending, Jump, Story

__all__ = ["print_bands", "print_report", "print_simulation"]

FACTORS_FROM = 10_000  # below this many states, the size of the space is no concern
MIN_SHARE = 0.05  # a policy's choice made in fewer journeys than this is not listed
MAX_DECISIONS = 30


def print_report(story: Story, report: OddsReport, console: Console) -> None:
    space = report.space
    exact = "exact fractions" if report.exact else "floating point (exact up to rounding)"
    console.print(f"{story.title} (version {story.version}): {space.states:,} reachable states, "
                  f"{space.edges:,} transitions, solved in {report.seconds:.2f} s; {exact}")
    players = [report.random]
    if report.best is not None and report.worst is not None:
        players += [report.best, report.worst]
    console.print(_classes_table(story, report, players))
    console.print(_endings_table(story, players))
    if report.target is not None:
        for player in (report.best, report.worst):
            if player is not None and player.decisions:
                _print_decisions(story, report.target, player, console)
    _print_space(report, console)
    _print_unreached(story, report, console)


def _heading(player: Distribution, target: str | None) -> str:
    if player.player == "random":
        return "random player"
    return f"{player.player} for {target}"


def _cell(value: float, exact: Fraction | None) -> str:
    if exact is None:
        return f"{value:.1%}"
    if exact.denominator == 1 or exact.denominator > 10_000:
        return f"{value:.1%}"
    return f"{value:.1%} ({exact})"


def _classes_table(story: Story, report: OddsReport, players: list[Distribution]) -> Table:
    table = Table(title="Ending classes")
    table.add_column("class")
    for player in players:
        table.add_column(_heading(player, report.target), justify="right")
    for key, ending in story.endings.items():
        cells = []
        for player in players:
            exact = player.exact_classes[key] if player.exact_classes else None
            cells.append(_cell(player.classes[key], exact))
        table.add_row(f"{ending.title} [{key}]", *cells)
    table.add_row("expected scenes", *[f"{p.expected_scenes:.1f}" for p in players])
    table.add_row("expected choices", *[f"{p.expected_choices:.1f}" for p in players])
    return table


def _endings_table(story: Story, players: list[Distribution]) -> Table:
    table = Table(title="Endings")
    table.add_column("ending scene")
    table.add_column("class")
    for player in players:
        table.add_column(player.player, justify="right")
    for scene in story.scenes.values():
        if isinstance(scene.exit, Ending):
            cells = [_cell(p.endings[scene.id],
                           p.exact_endings[scene.id] if p.exact_endings else None)
                     for p in players]
            table.add_row(scene.id, scene.exit.ending_class, *cells)
    return table


def _print_decisions(story: Story, target: str, player: Distribution, console: Console) -> None:
    """The choices the policy makes on its likely paths (ignoring rare situations)."""
    verb = "maximise" if player.player == "best" else "minimise"
    lines = []
    for scene_id, taken in player.decisions.items():
        exit_ = story.scenes[scene_id].exit
        if not isinstance(exit_, Choices) or len(exit_.choices) < 2:
            continue
        common = sorted(((share, label) for label, share in taken.items()
                         if share >= MIN_SHARE), reverse=True)
        if common:
            lines.append(f"  {scene_id}: " + ", ".join(
                repr(exit_.choices[label].text) + (f" ({share:.0%})" if share < 0.995 else "")
                for share, label in common))
    if not lines:
        return
    console.print(f"How to {verb} {target!r}: the choices made on the way (and how often, "
                  f"when not always), in journeys' order:")
    for line in lines[:MAX_DECISIONS]:
        console.print(line, markup=False, highlight=False)
    if len(lines) > MAX_DECISIONS:
        console.print(f"  … and {len(lines) - MAX_DECISIONS} more (see --json)")


def _print_space(report: OddsReport, console: Console) -> None:
    space = report.space
    if space.states < FACTORS_FROM or not space.factors:
        return
    parts = [f"{f.name} ({f.values} values, ×{f.factor:.1f})" for f in space.factors[:6]]
    console.print(f"State space: {space.states:,} states; what multiplies it most: "
                  + ", ".join(parts), markup=False, highlight=False)


def _print_unreached(story: Story, report: OddsReport, console: Console) -> None:
    missing = report.unreached
    if not missing:
        console.print("Every scene, choice and jump branch can be reached by some player.")
        return
    console.print("Content no player can reach, whatever they choose and however chance falls:")
    for scene_id in missing.scenes:
        console.print(f"  scene {scene_id} ({story.scenes[scene_id].location})",
                      markup=False, highlight=False)
    for scene_id, index in missing.choices:
        exit_ = story.scenes[scene_id].exit
        assert isinstance(exit_, Choices)
        choice = exit_.choices[index]
        console.print(f"  choice {scene_id} #{index + 1} {choice.text!r} ({choice.location})",
                      markup=False, highlight=False)
    for scene_id, index in missing.branches:
        exit_ = story.scenes[scene_id].exit
        assert isinstance(exit_, Jump)
        branch = exit_.branches[index]
        console.print(f"  jump branch {scene_id} #{index + 1} {branch.text!r} ({branch.location})",
                      markup=False, highlight=False)


def print_simulation(story: Story, classes: list[Agreement], journeys: int, steps: int,
                     seconds: float, console: Console) -> None:
    table = Table(title=f"Monte Carlo check: {journeys:,} journeys through the engine")
    for name in ("class", "exact", "simulated", "z", "agrees"):
        table.add_column(name, justify="left" if name == "class" else "right")
    for row in classes:
        table.add_row(row.name, f"{row.exact:.2%}", f"{row.share:.2%}",
                      f"{row.z:+.2f}", "yes" if row.agrees() else f"NO (> {SIGMAS:g} sigma)")
    console.print(table)
    rate = journeys / seconds if seconds else 0.0
    console.print(f"{steps:,} steps in {seconds:.2f} s: {rate:,.0f} journeys/s, "
                  f"{steps / seconds if seconds else 0:,.0f} steps/s", highlight=False)


def print_bands(story: Story, bands: list[BandCheck], console: Console) -> None:
    if not bands:
        console.print("No calibration bands are declared in story.toml ([[calibration]]).")
        return
    table = Table(title="Calibration: model vs record")
    for name in ("class", "model", "record band", "sources", "holds"):
        table.add_column(name, justify="right" if name in {"model", "record band"} else "left")
    for band in bands:
        title = story.endings[band.band.ending_class].title
        table.add_row(title, f"{band.model:.1%}",
                      f"{band.band.minimum:.0%}–{band.band.maximum:.0%}",
                      ", ".join(band.band.sources), "yes" if band.inside else "NO")
    console.print(table)
