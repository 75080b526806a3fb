"""``passage stats``: the report's figures, its tables, its chart, retention and its errors."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from passage.analytics.connect import store_factory
from passage.analytics.report import build_report
from passage.analytics.sample import random_events
from passage.analytics.store import Store
from passage.cli import main
from passage.story import Story
from passage.story.model import Ending
from tests.analytics.helpers import NOW, Backend, event


def _fill(store: Store, example: Story, journeys: int = 150) -> None:
    store.write(random_events(example, journeys, seed=4, now=NOW, leave_share=0.25))


def test_the_report_counts_ends_chapters_and_choices(store: Store, example: Story) -> None:
    events = random_events(example, 150, seed=4, now=NOW, leave_share=0.25)
    store.write(events)
    report = build_report(store, "example", None, example, NOW + timedelta(days=1))
    journeys = {e.journey_id for e in events}
    assert report.journeys == len(journeys) and report.steps == len(events)
    last = {}
    for e in sorted(events, key=lambda e: e.step):
        last[e.journey_id] = e
    endings = Counter(e.ending_class for e in last.values() if e.ending_class)
    assert {r.key: r.journeys for r in report.ends if r.kind == "ending"} == {
        k: endings.get(k, 0) for k in example.endings
    }
    left = Counter(e.arrived for e in last.values() if not e.ending_class)
    assert {r.key: r.journeys for r in report.ends if r.kind == "left"} == dict(left)
    assert sum(r.journeys for r in report.ends) == len(journeys)
    assert report.chapters is not None
    first, second = report.chapters
    river = {s.id for s in example.scenes.values() if s.chapter == example.chapters[1].id}
    reached = {e.journey_id for e in events if e.arrived in river or e.scene in river}
    assert (first.journeys, second.journeys) == (len(journeys), len(reached))
    assert second.lost == len(journeys) - len(reached)
    kitchen = next(s for s in report.scenes if s.scene == "kitchen")
    assert sum(n for _, _, n in kitchen.shares) == len(journeys)
    assert [text for _, text, _ in kitchen.shares] == [
        "Call my sister",
        "Leave the phone where it is",
    ]


def test_recent_unfinished_journeys_count_as_still_playing(store: Store, example: Story) -> None:
    store.write([event("j1", 1, story="example", scene="kitchen", arrived="wait")])
    report = build_report(store, "example", None, example, NOW + timedelta(minutes=30))
    assert [(r.kind, r.journeys) for r in report.ends if r.journeys] == [("playing", 1)]


def test_the_command_prints_the_tables(
    backend: Backend, store: Store, example: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(store, example)
    assert main(["stats", "--database", backend.database, "--story", "example"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "Where journeys end",
        "Reached the far bank",
        "Drop-off per chapter",
        "1. Home",
        "2. The river",
        "How journeys chose",
        "Call my sister",
        "(chance)",
    ):
        assert expected in out


def test_small_counts_are_not_shown(
    backend: Backend, store: Store, example: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(store, example, journeys=12)
    assert main(["stats", "--database", backend.database]) == 0
    out = capsys.readouterr().out
    assert "fewer than 20 journeys" in out and "Call my sister" not in out


@pytest.mark.parametrize(("name", "magic"), [("chart.svg", b"<?xml"), ("chart.png", b"\x89PNG")])
def test_the_chart_is_written(
    example: Story, tmp_path: Path, name: str, magic: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    store = store_factory(None, tmp_path)()  # the chart does not depend on the back-end
    _fill(store, example)
    store.close()
    out = tmp_path / "charts" / name
    assert main(["stats", "--data-dir", str(tmp_path), "--chart", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(magic)
    if name.endswith(".svg"):
        assert b"<svg" in data and b"Where journeys end" in data
    assert f"chart written to {out}" in capsys.readouterr().out


def test_the_default_database_is_the_data_dirs(
    tmp_path: Path, example: Story, capsys: pytest.CaptureFixture[str]
) -> None:
    store = store_factory(None, tmp_path)()
    _fill(store, example)
    store.close()
    assert main(["stats", "--data-dir", str(tmp_path)]) == 0
    assert "example (versions 1.0.0)" in capsys.readouterr().out


def test_without_the_story_folder_the_report_still_works(
    backend: Backend, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.write([event(f"j{i}", 1, ending="done") for i in range(25)])
    assert main(["stats", "--database", backend.database, "--story", "s"]) == 0
    out = capsys.readouterr().out
    assert "story folder for 's' not found" in out and "done" in out


def test_prune_before(backend: Backend, store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    store.write([event("old", 1, hour=NOW - timedelta(days=400)), event("new", 1, hour=NOW)])
    assert (
        main(
            [
                "stats",
                "--database",
                backend.database,
                "--prune-before",
                (NOW - timedelta(days=1)).strftime("%Y-%m-%d"),
            ]
        )
        == 0
    )
    assert "deleted 1 step events" in capsys.readouterr().out
    assert [e.journey_id for e in store.events()] == ["new"]
    assert main(["stats", "--database", backend.database, "--prune-before", "90d"]) == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--prune-before", "yesterday"], 2, "use a date like 2025-01-31 or a number of days"),
        (["--story", "nope"], 1, "no events for story 'nope'"),
        (["--chart", "x.pdf"], 2, "ending in .svg or .png"),
    ],
)
def test_bad_requests_get_one_clear_line(
    backend: Backend,
    store: Store,
    args: list[str],
    code: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store.write([event("j1", 1)])
    assert main(["stats", "--database", backend.database, *args]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_or_unknown_databases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--data-dir", str(tmp_path)]) == 1
    assert "no analytics database at" in capsys.readouterr().err
    assert main(["stats", "--database", "mysql://root:secret@localhost/x"]) == 2
    err = capsys.readouterr().err
    assert "unknown scheme 'mysql'" in err and "secret" not in err
    assert main(["stats", "--database", "postgresql://postgres@127.0.0.1:1/x"]) == 1
    assert "cannot read the analytics database" in capsys.readouterr().err


def test_an_ending_scene_per_class(example: Story) -> None:
    classes = {s.exit.ending_class for s in example.scenes.values() if isinstance(s.exit, Ending)}
    assert classes == set(example.endings)
