"""Write synthetic stories of any size for benchmarks: every exit kind, facts, conditions."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_story"]

_TOML = """format = 1
id = "generated"
title = "Generated story"
version = "1"
start = "s0"
chapters = [{chapters}]

[variables.money]
type = "int"
initial = 2
min = 0
max = 5

[variables.flag]
type = "bool"
initial = false

[variables.mood]
type = "enum"
values = ["calm", "afraid"]
initial = "calm"

[endings.end]
title = "The end"

[waypoints.here]
name = "Here"
lon = 129.0
lat = 41.0
"""
_SOURCES = '[src]\npublisher = "Publisher"\ntitle = "Title"\ndate = "2024"\n'
_PROSE = (
    "The road bends east under a low sky, and the wind carries the smell of coal smoke. "
    "She counts her steps and *does not look back*. A dog barks somewhere behind the fence.\n"
)


def _scene(index: int, count: int) -> str:
    nxt, skip = (index + 1) % count, (index + 2) % count
    lines = [f"# Scene {index} {{#s{index}}}", "", _PROSE]
    if index % 5 == 0:
        lines += ["::: fact {sources=src}", f"Fact number {index} with a source.", ":::", ""]
    if index % 50 == 49 or index == count - 1:  # every 50th scene leads to an ending
        ending = [
            f"# End {index} {{#e{index} ending=end}}",
            "",
            "It ends here.",
            "",
            "::: epilogue {sources=src}",
            "What the record says.",
            ":::",
            "",
        ]
        return "\n".join([*lines, f"- [Finish](#e{index})", "", *ending])
    if index % 7 == 3:
        lines += [
            "::: chance {sources=src}",
            f"- 0.6 [Lucky](#s{nxt})",
            f'- 0.4 [Unlucky](#s{skip}){{set="money -= 1"}}',
            ":::",
            "",
        ]
    elif index % 11 == 5:
        lines += ["::: jump", f'- [On](#s{skip}){{if="flag"}}', f"- [On](#s{nxt})", ":::", ""]
    else:
        lines += [
            f'- [Walk on](#s{nxt}){{set="money += 1"}}',
            f'- [Pay the driver](#s{skip}){{if="money >= 2" else="Not enough money." '
            f'set="money -= 2; flag = true"}}',
            f"- [Wait](#s{nxt}){{if=\"mood == 'calm'\" set=\"mood = 'afraid'\"}}",
            "",
        ]
    return "\n".join(lines)


def write_story(root: Path, scenes: int, per_chapter: int = 500) -> Path:
    """A story of about ``scenes`` scenes (plus ending scenes) in chapters of ``per_chapter``."""
    (root / "chapters").mkdir(parents=True, exist_ok=True)
    names = []
    for number, start in enumerate(range(0, scenes, per_chapter), start=1):
        name = f"chapters/{number:03d}.md"
        names.append(f'"{name}"')
        body = "\n".join(_scene(i, scenes) for i in range(start, min(scenes, start + per_chapter)))
        front = f'+++\nid = "c{number}"\ntitle = "Chapter {number}"\nwaypoint = "here"\n+++\n\n'
        (root / name).write_text(front + body, encoding="utf-8")
    (root / "story.toml").write_text(_TOML.format(chapters=", ".join(names)), encoding="utf-8")
    (root / "sources.toml").write_text(_SOURCES, encoding="utf-8")
    return root
