"""The map as a Graphviz graph: chapters as clusters, scenes as nodes, links as edges.

Layout is Graphviz's ``dot`` (hierarchical, with clusters); this module only says
what to draw. Endings are coloured by class (a colour-blind-safe palette, with a
legend), edges carry their choice text (shortened) and how often random journeys
take them, and scenes no player can reach are drawn dashed, in red.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from html import escape

import graphviz

from passage.story.model import Chance, Choice, Choices, Ending, Jump, Scene, Story
from passage.storymap.flow import Flow

__all__ = ["PALETTE", "draw"]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
           "#999999")
_DARK = {"#0072B2", "#D55E00", "#009E73"}  # fills that need white text
_NEVER = "#B00020"
_FONT = "Helvetica"
TITLE_LENGTH = 30
EDGE_LENGTH = 26


def draw(story: Story, flow: Flow) -> graphviz.Digraph:
    colours = {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(story.endings)}
    graph = graphviz.Digraph(
        name=story.id,
        graph_attr={"rankdir": "TB", "newrank": "true", "fontname": _FONT, "fontsize": "12",
                    "nodesep": "0.25", "ranksep": "0.45", "labelloc": "t",
                    "label": _title(story, flow), "tooltip": story.title},
        node_attr={"fontname": _FONT, "fontsize": "10", "shape": "box",
                   "style": "rounded,filled", "fillcolor": "white", "margin": "0.08,0.04"},
        edge_attr={"fontname": _FONT, "fontsize": "8", "color": "#555555",
                   "arrowsize": "0.6"},
    )
    for chapter in story.chapters:
        with graph.subgraph(name=f"cluster_{chapter.id}") as cluster:
            cluster.attr(label=f"{chapter.number}. {chapter.title}", style="rounded,filled",
                         color="#BBBBBB", fillcolor="#F7F7F7", fontsize="12",
                         tooltip=f"chapter {chapter.id} ({chapter.file})")
            for scene in story.scenes.values():
                if scene.chapter == chapter.id:
                    cluster.node(_id(scene.id), **_node(story, scene, flow, colours))
    for scene in story.scenes.values():
        for link in _links(scene):
            graph.edge(_id(scene.id), _id(link.target), **_edge(scene, link, flow))
    _legend(graph, story, colours, flow)
    return graph


def _title(story: Story, flow: Flow) -> str:
    text = f"{story.title} (version {story.version}): story map"
    return text + (f" — {flow.note}" if flow.note else "")


def _id(scene_id: str) -> str:
    return f"s_{scene_id}"


def _short(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _share(value: float) -> str:
    if value > 1.005:
        return f"{value:.1f}× per journey"
    return f"{value:.0%}" if value >= 0.005 else ("<1%" if value > 0 else "0%")


def _node(story: Story, scene: Scene, flow: Flow,
          colours: dict[str, str]) -> dict[str, str]:
    exit_ = scene.exit
    detail = scene.id
    if flow.solved and scene.id in flow.scenes:
        detail += f" · {_share(flow.scenes[scene.id])}"
    attrs = {"tooltip": f"{scene.id} ({scene.location})"}
    heading = escape(_short(scene.title, TITLE_LENGTH))
    if isinstance(exit_, Ending):
        colour = colours[exit_.ending_class]
        attrs.update(fillcolor=colour, penwidth="2",
                     fontcolor="white" if colour in _DARK else "black")
        detail = f"{scene.id} · ends: {story.endings[exit_.ending_class].title}"
        if flow.solved and scene.id in flow.scenes:
            detail += f" · {_share(flow.scenes[scene.id])}"
    elif isinstance(exit_, Chance):
        attrs.update(fillcolor="#FFF6D5")
    elif isinstance(exit_, Jump):
        attrs.update(fillcolor="#EDEDED")
    if flow.unlinked(scene.id) or flow.never_reached(scene.id):
        why = "no link leads here" if flow.unlinked(scene.id) else "no player reaches this"
        attrs.update(style="rounded,filled,dashed", color=_NEVER, penwidth="2",
                     fillcolor="#FBE9EC", fontcolor=_NEVER)
        detail += f" · {why}"
    attrs["label"] = f'<{heading}<br/><font point-size="8">{escape(detail)}</font>>'
    return attrs


@dataclass(frozen=True, slots=True)
class _Link:
    index: int  # the label in the odds graph: choice, branch or outcome index
    target: str
    text: str
    where: str
    chance: Fraction | None  # the authored probability of a chance outcome


def _links(scene: Scene) -> list[_Link]:
    exit_ = scene.exit
    if isinstance(exit_, Chance):
        return [_Link(i, o.target, o.text, str(o.location), o.probability)
                for i, o in enumerate(exit_.outcomes)]
    links: tuple[Choice, ...] = ()
    if isinstance(exit_, Choices):
        links = exit_.choices
    elif isinstance(exit_, Jump):
        links = exit_.branches
    return [_Link(i, c.target, c.text, str(c.location), None) for i, c in enumerate(links)]


def _edge(scene: Scene, link: _Link, flow: Flow) -> dict[str, str]:
    text = _short(link.text, EDGE_LENGTH)
    if link.chance is not None:
        text = f"{float(link.chance):.0%}: {text}"
    attrs = {"tooltip": f"{link.text} ({link.where})"}
    share = flow.edges.get((scene.id, link.index))
    if flow.solved and share is None:
        if scene.id in flow.reached and link.chance is None:
            attrs.update(style="dashed", color=_NEVER, fontcolor=_NEVER)
            text += "\n(never possible)"
        else:
            attrs.update(style="dashed", color="#AAAAAA")
    elif share is not None:
        attrs["penwidth"] = f"{0.6 + 2.4 * min(share, 1.0):.2f}"
        if link.chance is None:
            text += f"\n{_share(share)}"
    attrs["label"] = text
    return attrs


def _legend(graph: graphviz.Digraph, story: Story, colours: dict[str, str], flow: Flow) -> None:
    rows = [f'<tr><td bgcolor="{colours[key]}" width="18"> </td>'
            f'<td align="left">{escape(ending.title)}</td></tr>'
            for key, ending in story.endings.items()]
    rows += [
        '<tr><td bgcolor="#FFF6D5"> </td><td align="left">chance scene</td></tr>',
        '<tr><td bgcolor="#EDEDED"> </td><td align="left">jump (no choice)</td></tr>',
        f'<tr><td bgcolor="#FBE9EC"><font color="{_NEVER}">- -</font></td>'
        '<td align="left">no player reaches it</td></tr>',
    ]
    if flow.solved:
        rows.append('<tr><td colspan="2" align="left">percentages: share of random '
                    "journeys (exact)</td></tr>")
    label = ('<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
             '<tr><td colspan="2"><b>Legend</b></td></tr>' + "".join(rows) + "</table>>")
    graph.node("legend", label=label, shape="plain", style="", tooltip="legend")
