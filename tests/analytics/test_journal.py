"""The journal: line format, torn lines, orphan files of dead processes; the reader fuzzed."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passage.analytics.events import StepEvent
from passage.analytics.journal import (
    Journal,
    JournalLineError,
    decode_event,
    encode_event,
    read_journal,
)
from tests.analytics.helpers import NOW, event, events, text


@given(events)
def test_every_event_survives_a_round_trip(e: StepEvent) -> None:
    line = encode_event(e)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert decode_event(line[:-1]) == e


@given(st.binary(max_size=400))
@settings(max_examples=300)
def test_the_reader_never_raises_on_any_bytes(data: bytes) -> None:
    result = read_journal(data)
    assert all(isinstance(e, StepEvent) for e in result.events)
    lines = data.split(b"\n")
    assert len(result.events) + len(result.problems) <= len(lines)
    assert result.torn == (lines[-1] != b"")


@given(st.binary(max_size=200))
def test_the_line_decoder_raises_only_its_own_error(line: bytes) -> None:
    with contextlib.suppress(JournalLineError):
        decode_event(line)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@given(events, st.sampled_from(sorted(json.loads(encode_event(event())))), json_values)
@settings(max_examples=300)
def test_a_field_of_any_json_value_is_decoded_or_refused_cleanly(
    e: StepEvent, field: str, value: object
) -> None:
    record = json.loads(encode_event(e))
    record[field] = value
    line = json.dumps(record).encode()
    try:
        decoded = decode_event(line)
    except JournalLineError as error:
        assert str(error)
    else:
        assert isinstance(decoded, StepEvent) and isinstance(decoded.step, int)


@given(st.lists(events, min_size=1, max_size=8), st.data())
@settings(max_examples=150)
def test_a_journal_cut_anywhere_keeps_every_complete_line(
    batch: list[StepEvent], data: st.DataObject
) -> None:
    blob = b"".join(encode_event(e) for e in batch)
    cut = data.draw(st.integers(0, len(blob)))
    result = read_journal(blob[:cut])
    complete = blob[:cut].count(b"\n")
    assert result.events == batch[:complete]
    assert result.torn == (cut not in (0, len(blob)) and blob[cut - 1 : cut] != b"\n")
    assert len(result.problems) == int(result.torn)


@given(
    st.lists(events, max_size=5), st.binary(min_size=1, max_size=60), st.lists(events, max_size=5)
)
@settings(max_examples=150)
def test_garbage_between_lines_is_skipped_and_the_rest_kept(
    before: list[StepEvent], junk: bytes, after: list[StepEvent]
) -> None:
    junk_line = junk.replace(b"\n", b" ") + b"\n"
    blob = b"".join(map(encode_event, before)) + junk_line + b"".join(map(encode_event, after))
    result = read_journal(blob)
    kept = [e for e in result.events]
    # the junk line may by chance be a valid event; every real event is kept either way
    assert kept[: len(before)] == before and kept[len(kept) - len(after) :] == after
    assert len(kept) in (len(before) + len(after), len(before) + len(after) + 1)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"v": 99}', "unknown journal format 99"),
        (b'{"v": 1, "story_id": 5}', "'story_id' missing or not a string"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_bad_lines_say_why(line: bytes, reason: str) -> None:
    with pytest.raises(JournalLineError, match=reason):
        decode_event(line)


def test_a_torn_last_line_is_reported_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    blob = encode_event(event("j1", 1)) + encode_event(event("j1", 2))[:25]
    with caplog.at_level(logging.WARNING, "passage.analytics"):
        result = read_journal(blob, "test.jsonl")
    assert result.events == [event("j1", 1)] and result.torn
    assert "test.jsonl: line 2: torn last line" in caplog.text


def test_append_replay_and_close(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append([event("j1", 1), event("j1", 2)])
    journal.append([event("j2", 1)])
    assert journal.size > 0 and journal.has_work()
    got: list[list[StepEvent]] = []
    assert journal.replay(got.append, batch_size=2) == 3
    assert got == [[event("j1", 1), event("j1", 2)], [event("j2", 1)]]
    assert journal.size == 0
    journal.close()
    assert list(tmp_path.iterdir()) == []  # an empty journal is removed at close


def test_a_failed_replay_keeps_the_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append([event("j1", 1)])

    def refuse(batch: list[StepEvent]) -> None:
        raise ConnectionError("still down")

    with pytest.raises(ConnectionError):
        journal.replay(refuse, batch_size=10)
    assert journal.size > 0
    journal.close()
    assert len(list(tmp_path.iterdir())) == 1  # kept for the next process


def test_orphans_of_dead_processes_are_replayed_and_removed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    orphan = tmp_path / "12345-dead.jsonl"
    orphan.write_bytes(encode_event(event("j9", 1)) + encode_event(event("j9", 2))[:10])
    journal = Journal(tmp_path)
    got: list[StepEvent] = []
    with caplog.at_level(logging.WARNING, "passage.analytics"):
        assert journal.replay(got.extend, batch_size=10) == 1
    assert got == [event("j9", 1)]
    assert not orphan.exists()
    assert "torn last line" in caplog.text


def test_the_journal_of_a_live_process_is_left_alone(tmp_path: Path) -> None:
    alive = tmp_path / "999-alive.jsonl"
    alive.write_bytes(encode_event(event("j1", 1)))
    fd = os.open(alive, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as its owner holds it
        got: list[StepEvent] = []
        assert Journal(tmp_path).replay(got.extend, batch_size=10) == 0
        assert got == [] and alive.exists()
    finally:
        os.close(fd)


def test_hours_are_whole_utc_hours() -> None:
    line = encode_event(event(hour=NOW))
    assert b'"hour":"2025-03-14T15:00:00Z"' in line
    with pytest.raises(JournalLineError, match="'hour'"):
        decode_event(line[:-1].replace(b"15:00:00Z", b"15:30:00Z"))
