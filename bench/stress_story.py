"""A generated story with more than a million reachable states, for ``bench_odds``.

Four counters (0..9) that every ending reads, so none is ever forgotten; choice
scenes push or pull two of them, chance scenes move one and may end the journey,
jump scenes branch on a comparison, and "wait another day" loops return to the
same scene. After a few dozen scenes every combination of the counters is
reachable, so each later scene holds 10,000 states: 135 scenes give about 1.1
million (``--scenes``, ``--top`` scale it).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_stress_story"]

NAMES = ("a", "b", "c", "d")

_TOML = """format = 1
id = "stress"
title = "Stress story"
version = "1"
start = "s0"
chapters = [{chapters}]
{variables}
[endings.south]
title = "Reached the South"
[endings.china]
title = "Stayed in China"
[endings.home]
title = "Went home"
[endings.caught]
title = "Caught"

[waypoints.road]
name = "The road"
lon = 127.0
lat = 40.0
"""

_SOURCES = """[src]
publisher = "Benchmark"
title = "Generated"
date = "2024"
"""

_ENDING = """# {title} {{#{id} ending={kind}}}

The journey ends here.

::: epilogue {{sources=src}}
A generated epilogue.
:::

"""


def write_stress_story(folder: Path, scenes: int = 135, top: int = 9,
                       per_chapter: int = 25) -> Path:
    """Write the story into ``folder`` (which must exist) and return it."""
    variables = "".join(f"\n[variables.{n}]\ntype = \"int\"\ninitial = 0\nmin = 0\nmax = {top}\n"
                        for n in NAMES)
    files = [f"chapters/{i:02d}.md" for i in range((scenes + per_chapter - 1) // per_chapter)]
    (folder / "chapters").mkdir(parents=True, exist_ok=True)
    (folder / "story.toml").write_text(
        _TOML.format(chapters=", ".join(f'"{f}"' for f in files), variables=variables),
        encoding="utf-8")
    (folder / "sources.toml").write_text(_SOURCES, encoding="utf-8")
    for number, name in enumerate(files):
        first = number * per_chapter
        body = [f'+++\nid = "c{number}"\ntitle = "Chapter {number}"\nwaypoint = "road"\n+++\n\n']
        for i in range(first, min(first + per_chapter, scenes)):
            body.append(_scene(i, scenes))
        if number == len(files) - 1:
            body.append(_finale(scenes))
            body += [_ENDING.format(title=t, id=k, kind=k)
                     for k, t in (("south", "South"), ("china", "China"), ("home", "Home"),
                                  ("caught", "Caught"))]
        (folder / name).write_text("".join(body), encoding="utf-8")
    return folder


def _scene(i: int, total: int) -> str:
    nxt = f"s{i + 1}" if i + 1 < total else "finale"
    x, y = NAMES[i % 4], NAMES[(i + 1) % 4]
    if i % 10 == 9:
        return (f"# Scene {i} {{#s{i}}}\n\nA checkpoint.\n\n::: chance {{sources=src}}\n"
                f'- 1/2 [Waved through](#{nxt}){{set="{x} += 2"}}\n'
                f'- 3/8 [Questioned](#{nxt}){{set="{x} -= 1"}}\n'
                f"- 1/8 [Held](#caught)\n:::\n\n")
    if i % 10 == 4:
        return (f"# Scene {i} {{#s{i}}}\n\nA fork in the road.\n\n::: jump\n"
                f'- [Uphill](#{nxt}){{if="a + b > c + d" set="{x} -= 1"}}\n'
                f'- [Downhill](#{nxt}){{set="{y} -= 1"}}\n:::\n\n')
    wait = ""
    if i % 10 == 7:
        wait = f'- [Wait another day](#s{i}){{if="{x} < {y}" else="No reason to wait."}}\n'
    return (f"# Scene {i} {{#s{i}}}\n\nThe road goes on.\n\n"
            f'- [Push {x}](#{nxt}){{set="{x} += 1"}}\n'
            f'- [Pull {x}, push {y}](#{nxt}){{set="{x} -= 1; {y} += 1"}}\n'
            f"- [Keep going](#{nxt})\n{wait}\n")


def _finale(total: int) -> str:
    del total
    return ("# The end of the road {#finale}\n\nWhere it ends.\n\n::: jump\n"
            '- [South](#south){if="a + b >= c + d + 2"}\n'
            '- [China](#china){if="a > c"}\n'
            "- [Home](#home)\n:::\n\n")
