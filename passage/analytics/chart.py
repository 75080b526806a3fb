"""The ``passage stats --chart`` picture: ends, chapter drop-off and choice shares.

Drawn with matplotlib's object API on the Agg canvas (no display, no global
pyplot state), in the font matplotlib ships, so the chart renders the same on a
server with no fonts installed. SVG or PNG by the file's extension.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from passage.analytics.report import Report, SceneShares

__all__ = ["FORMATS", "ChartError", "draw_chart"]

FORMATS = {".svg": "svg", ".png": "png"}
_MAX_SCENES = 12
_PALETTE = ("#1b4f72", "#b9770e", "#196f3d", "#943126", "#6c3483", "#117a65", "#7b7d7d")


class ChartError(ValueError):
    """The chart cannot be written where it was asked for."""


def draw_chart(report: Report, path: Path) -> None:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ChartError(f"--chart {path}: use a file name ending in .svg or .png")
    scenes = [s for s in report.scenes if s.shares][:_MAX_SCENES]
    panels = 2 + (1 if scenes else 0)
    heights = [max(1.6, 0.35 * len(report.ends) + 0.8), 2.6]
    if scenes:
        heights.append(0.5 * len(scenes) + 1.0)
    figure = Figure(figsize=(10, sum(heights) + 1.2), layout="constrained")
    figure.suptitle(
        f"{report.story_id}: {report.journeys:,} journeys, {report.steps:,} steps", fontsize=13
    )
    axes = figure.subplots(panels, 1, gridspec_kw={"height_ratios": heights})
    _ends(axes[0], report)
    _chapters(axes[1], report)
    if scenes:
        _shares(axes[2], scenes)
    metadata = {"Date": None} if fmt == "svg" else {}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format=fmt, dpi=120, metadata=metadata)
    except OSError as error:
        raise ChartError(f"--chart {path}: {error.strerror or error}") from None


def _ends(ax: Axes, report: Report) -> None:
    rows = list(reversed(report.ends))
    labels = [_wrap(r.label, 28) for r in rows]
    colors = [_PALETTE[0] if r.kind == "ending" else "#aab7b8" for r in rows]
    ax.barh(labels, [r.journeys for r in rows], color=colors)
    ax.set_title("Where journeys end", loc="left")
    ax.set_xlabel("journeys")
    if not rows:
        ax.text(0.5, 0.5, "no journeys yet", ha="center", transform=ax.transAxes)


def _chapters(ax: Axes, report: Report) -> None:
    ax.set_title("Journeys reaching each chapter", loc="left")
    if not report.chapters:
        ax.text(
            0.5,
            0.5,
            "chapters need the story folder (--story-dir)",
            ha="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return
    labels = [_wrap(f"{c.number}. {c.title}", 18) for c in report.chapters]
    ax.bar(labels, [c.journeys for c in report.chapters], color=_PALETTE[2])
    ax.set_ylabel("journeys")


def _shares(ax: Axes, scenes: list[SceneShares]) -> None:
    ax.set_title("How journeys chose (share of the choices made at each scene)", loc="left")
    names = []
    for row, scene in enumerate(reversed(scenes)):
        total = sum(n for _, _, n in scene.shares) or 1
        left = 0.0
        for index, (_, text, count) in enumerate(scene.shares):
            width = count / total
            ax.barh(row, width, left=left, color=_PALETTE[index % len(_PALETTE)], edgecolor="white")
            if width >= 0.1:  # room for a label: wrap it to the segment's width
                ax.text(
                    left + width / 2,
                    row,
                    _wrap(f"{text} {width:.0%}", int(width * 55)),
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=7,
                )
            left += width
        names.append(_wrap(scene.title + (" (chance)" if scene.kind == "chance" else ""), 30))
    ax.set_yticks(range(len(names)), names)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text
