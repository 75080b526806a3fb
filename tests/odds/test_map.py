"""``passage map``: a real Graphviz layout with chapter clusters, legend and highlights."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from passage.cli import main
from passage.story import Story
from passage.storymap import draw, flow, render_svg
from passage.storymap.draw import PALETTE
from tests.conftest import EXAMPLE
from tests.odds.conftest import FIXTURES, fixture


def make(capsys: pytest.CaptureFixture[str], tmp_path: Path, story: Path, name: str) -> str:
    output = tmp_path / name
    assert main(["map", str(story), "-o", str(output)]) == 0
    assert "wrote" in capsys.readouterr().out
    return output.read_text(encoding="utf-8")


def test_svg_has_a_cluster_per_chapter(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       example: Story) -> None:
    svg = make(capsys, tmp_path, EXAMPLE, "map.svg")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    clusters = [unescape(t) for t in re.findall(
        r'<g id="clust\d+" class="cluster">\s*<title>cluster_([^<]+)</title>', svg)]
    assert clusters == [c.id for c in example.chapters]
    assert "1. Home" in svg and "2. The river" in svg
    nodes = [unescape(t) for t in re.findall(
        r'<g id="node\d+" class="node">\s*<title>s_([^<]+)</title>', svg)]
    assert sorted(nodes) == sorted(example.scenes)


def test_endings_coloured_by_class_with_a_legend(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path, example: Story) -> None:
    svg = make(capsys, tmp_path, EXAMPLE, "map.svg")
    assert "Legend" in svg
    for i, ending in enumerate(example.endings.values()):
        assert ending.title in svg
        assert svg.count(f'fill="{PALETTE[i].lower()}"') >= 2  # the ending and its legend row


def test_edges_carry_choice_text_and_exact_shares(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    svg = make(capsys, tmp_path, EXAMPLE, "map.svg")
    assert "Call my sister" in svg and "Leave the phone where it…" in svg
    assert "60%: I reach the far bank" in svg  # an authored chance
    assert "kitchen · 100%" in svg and "caught · ends: Caught · 33%" in svg


def test_unreachable_content_is_highlighted() -> None:
    story = fixture("unreachable")
    found = flow(story)
    assert found.unlinked("forgotten") and found.never_reached("rich")
    source = draw(story, found).source
    assert "no link leads here" in source and "no player reaches this" in source
    assert "(never possible)" in source  # the choice no state enables
    svg = render_svg(draw(story, found))
    assert svg.count('stroke-dasharray') >= 3


def test_html_is_self_contained(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = make(capsys, tmp_path, EXAMPLE, "map.html")
    assert page.startswith("<!doctype html>") and "<svg" in page and "<?xml" not in page
    assert "<script" not in page
    external = re.findall(r'(?:src|href)="(https?:[^"]*)"', page)
    assert external == []


def test_large_stories_are_drawn_without_odds(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    output = tmp_path / "map.svg"
    assert main(["map", str(FIXTURES / "money"), "-o", str(output), "--max-states", "3"]) == 0
    assert "odds not shown" in capsys.readouterr().out
    assert "<svg" in output.read_text(encoding="utf-8")


def test_bad_output_paths(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["map", str(EXAMPLE), "-o", str(tmp_path / "map.png")]) == 2
    assert main(["map", str(EXAMPLE), "-o", str(tmp_path / "missing" / "map.svg")]) == 2
    err = capsys.readouterr().err
    assert ".svg or .html" in err and "no such folder" in err


def test_dot_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "map.dot"
    assert main(["map", str(EXAMPLE), "-o", str(output), "--dot"]) == 0
    assert output.read_text(encoding="utf-8").startswith("digraph example {")


@pytest.mark.slow
def test_flagship_map(escape: Story) -> None:
    svg = render_svg(draw(escape, flow(escape)))
    assert len(re.findall(r'class="cluster"', svg)) == len(escape.chapters)
    assert len(re.findall(r'class="node"', svg)) == len(escape.scenes) + 1  # and the legend
