"""The relay from web workers to the writer process: the datagram format (fuzzed), the
socket, the journal fallback when the writer is away, and the writer process itself."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passage.analytics.events import StepEvent
from passage.analytics.journal import JournalLineError, read_journal
from passage.analytics.relay import (
    MAX_DATAGRAM,
    RelaySink,
    decode_datagram,
    encode_datagram,
    receive_into,
)
from passage.analytics.service import JOURNAL_DIR
from passage.analytics.sqlite import SqliteStore
from passage.analytics.writer import BackgroundSink
from passage.analytics.writerprocess import PROCESS_NAME, WriterProcess
from tests.analytics.helpers import event, events


@given(st.lists(events, max_size=20))
def test_every_batch_survives_a_round_trip(batch: list[StepEvent]) -> None:
    assert decode_datagram(encode_datagram(batch)) == batch


@given(st.binary(max_size=300))
def test_the_datagram_decoder_raises_only_its_own_error_on_any_bytes(data: bytes) -> None:
    with contextlib.suppress(JournalLineError):
        decode_datagram(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=12,
)


@given(st.lists(events, min_size=1, max_size=3), st.data())
@settings(max_examples=300)
def test_any_field_replaced_by_any_json_value_is_decoded_or_refused(
    batch: list[StepEvent], data: st.DataObject
) -> None:
    message = json.loads(encode_datagram(batch))
    where = data.draw(st.sampled_from(["format", "row", "field", "hour"]))
    value = data.draw(json_values)
    if where == "format":
        message[0] = value
    elif where == "row":
        message[1][0] = value
    elif where == "field":
        message[1][0][data.draw(st.integers(0, 9))] = value
    else:
        message[2][0] = value
    try:
        decoded = decode_datagram(json.dumps(message).encode())
    except JournalLineError as error:
        assert str(error)
    else:
        assert all(isinstance(e, StepEvent) and isinstance(e.step, int) for e in decoded)


def _listen(address: Path) -> tuple[list[StepEvent], threading.Event, threading.Thread]:
    received: list[StepEvent] = []
    stop = threading.Event()
    thread = threading.Thread(target=receive_into, args=(address, received.append, stop),
                              kwargs={"poll": 0.05})
    thread.start()
    deadline = time.monotonic() + 5
    while not address.exists():
        assert time.monotonic() < deadline, "the receiver did not bind"
        time.sleep(0.01)
    return received, stop, thread


def _batch(count: int, journey: str = "j") -> list[StepEvent]:
    return [event(journey=f"{journey}{n // 10}", step=n % 10 + 1) for n in range(count)]


def test_events_reach_the_receiver_in_full_batches_and_on_flush(tmp_path: Path) -> None:
    address = tmp_path / "events.sock"
    received, stop, thread = _listen(address)
    assert address.stat().st_mode & 0o777 == 0o600  # only this user may send statistics
    sink = RelaySink(address, tmp_path / "journal", batch=100)
    sent = _batch(250)
    for e in sent:
        sink.record(e)
    sink.close()  # the last 50, which did not fill a batch
    stop.set()
    thread.join()
    assert received == sent and sink.sent == 250 and sink.journaled == 0
    assert not address.exists()


def test_a_batch_too_large_for_one_datagram_is_split(tmp_path: Path) -> None:
    address = tmp_path / "events.sock"
    received, stop, thread = _listen(address)
    sink = RelaySink(address, tmp_path / "journal", batch=10_000)
    long_name = "s" * 200  # about 300 bytes an event: 2,000 events do not fit in one
    sent = [e._replace(scene=long_name) for e in _batch(2000)]
    assert len(encode_datagram(sent)) > MAX_DATAGRAM
    for e in sent:
        sink.record(e)
    sink.close()
    stop.set()
    thread.join()
    assert received == sent and sink.journaled == 0


def test_events_the_writer_cannot_take_are_journaled_and_replayed(tmp_path: Path) -> None:
    journal = tmp_path / JOURNAL_DIR
    sink = RelaySink(tmp_path / "nobody-listens.sock", journal, batch=40)
    sent = _batch(100)
    for e in sent:
        sink.record(e)
    sink.close()
    assert sink.sent == 0 and sink.journaled == 100
    files = list(journal.glob("*.jsonl"))
    assert files and sum(len(read_journal(f.read_bytes()).events) for f in files) == 100
    # released at once: a writer replays them as orphans
    writer = BackgroundSink(lambda: SqliteStore(tmp_path / "s.db"), journal, orphan_check=0)
    writer.record(event(journey="other"))
    assert writer.settle(30)
    writer.close()
    store = SqliteStore(tmp_path / "s.db")
    assert store.count() == 101
    assert sorted(store.events("s"), key=lambda e: (e.journey_id, e.step)) == sorted(
        [*sent, event(journey="other")], key=lambda e: (e.journey_id, e.step))


def _unlocked(path: Path) -> bool:
    import fcntl

    with path.open("rb") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_the_journal_is_released_when_the_writer_answers_again(tmp_path: Path) -> None:
    address, journal = tmp_path / "events.sock", tmp_path / JOURNAL_DIR
    sink = RelaySink(address, journal, batch=10)
    for e in _batch(30, journey="away-"):  # nobody listens yet
        sink.record(e)
    files = list(journal.glob("*.jsonl"))
    assert len(files) == 1 and not _unlocked(files[0])  # one file, held while failing
    received, stop, thread = _listen(address)
    for e in _batch(10, journey="back-"):
        sink.record(e)
    assert _unlocked(files[0])  # released: the writer's orphan check will take it
    assert len(read_journal(files[0].read_bytes()).events) == 30
    sink.close()
    stop.set()
    thread.join()
    assert received == _batch(10, journey="back-") and sink.journaled == 30


def test_an_event_recorded_after_close_goes_to_the_journal(tmp_path: Path) -> None:
    address, journal = tmp_path / "events.sock", tmp_path / JOURNAL_DIR
    received, stop, thread = _listen(address)
    sink = RelaySink(address, journal)
    sink.close()
    sink.record(event(journey="late"))  # a request still finishing at shutdown
    stop.set()
    thread.join()
    files = list(journal.glob("*.jsonl"))
    assert received == [] and [e.journey_id for f in files
                               for e in read_journal(f.read_bytes()).events] == ["late"]
    assert all(_unlocked(f) for f in files)


def _wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_writer_process_stores_what_workers_relay_and_drains_on_stop(
        tmp_path: Path) -> None:
    writer = WriterProcess(None, tmp_path)
    writer.start()
    try:
        assert writer.pid is not None
        assert Path(f"/proc/{writer.pid}/comm").read_text().strip() == PROCESS_NAME
        sinks = [RelaySink(writer.address, tmp_path / JOURNAL_DIR, batch=64) for _ in range(2)]
        sent = {n: _batch(500, journey=f"w{n}-") for n in range(2)}
        for n, sink in enumerate(sinks):
            for e in sent[n]:
                sink.record(e)
            sink.close()
    finally:
        assert writer.stop() == 0
    assert not writer.directory.exists()
    store = SqliteStore(tmp_path / "analytics.sqlite3")
    assert store.count() == 1000  # every event, stored once


def test_a_killed_writer_process_is_replaced_and_nothing_sent_later_is_lost(
        tmp_path: Path) -> None:
    writer = WriterProcess(None, tmp_path)
    writer.start()
    try:
        first, killed = writer.pid, writer._process
        assert first is not None and killed is not None
        os.kill(first, signal.SIGKILL)
        killed.wait(10)  # what its socket held when it died went with it
        sink = RelaySink(writer.address, tmp_path / JOURNAL_DIR, batch=50)
        for e in _batch(100, journey="during-"):  # the writer is dead or starting again
            sink.record(e)
        sink.flush()
        _wait_for(lambda: writer.restarts == 1 and writer.address.exists())
        assert writer.pid != first
        for e in _batch(100, journey="after-"):
            sink.record(e)
        sink.close()
    finally:
        assert writer.stop() == 0
    store = SqliteStore(tmp_path / "analytics.sqlite3")
    journaled = sum(len(read_journal(f.read_bytes()).events)
                    for f in (tmp_path / JOURNAL_DIR).glob("*.jsonl"))
    # what was sent while it was down waits in the journal, or the new writer stored it
    assert store.count() + journaled == 200
    assert sink.sent + sink.journaled == 200 and sink.journaled >= 100


@pytest.mark.parametrize("payload", [b"not json", b"[2, [], []]", b'[1, [["x"]], [0]]'])
def test_a_bad_datagram_is_refused_and_the_receiver_goes_on(tmp_path: Path,
                                                            payload: bytes) -> None:
    import socket

    address = tmp_path / "events.sock"
    received, stop, thread = _listen(address)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.sendto(payload, str(address))
    sink = RelaySink(address, tmp_path / "journal")
    sink.record(event())
    sink.close()
    _wait_for(lambda: len(received) == 1, 10)
    stop.set()
    thread.join()
    assert received == [event()]


def test_the_receiver_stops_while_datagrams_keep_coming(tmp_path: Path) -> None:
    address = tmp_path / "events.sock"
    received, stop, thread = _listen(address)
    sending = threading.Event()
    sending.set()

    def flood() -> None:
        sink = RelaySink(address, tmp_path / "journal", batch=1)
        while sending.is_set():
            sink.record(event())
        sink.close()

    flooder = threading.Thread(target=flood)
    flooder.start()
    _wait_for(lambda: len(received) > 100, 10)
    stop.set()
    thread.join(5)
    sending.clear()
    flooder.join()
    assert not thread.is_alive()


def test_a_busy_writer_delays_events_without_journaling_them(tmp_path: Path) -> None:
    import socket

    address = tmp_path / "events.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as slow:
        slow.bind(str(address))  # bound but not reading yet: its queue fills up
        sink = RelaySink(address, tmp_path / "journal", batch=50)
        sent = [e._replace(scene="s" * 300) for e in _batch(3000)]
        for e in sent:
            sink.record(e)
        assert 0 < sink.sent < 3000  # the queue filled: the rest waits in memory
        assert sink.journaled == 0
        received: list[StepEvent] = []

        def read() -> None:
            slow.settimeout(2)
            with contextlib.suppress(TimeoutError):
                while True:
                    received.extend(decode_datagram(slow.recv(MAX_DATAGRAM + 1)))

        reader = threading.Thread(target=read)
        reader.start()
        sink.close()  # waits for the writer to take the rest
        reader.join()
    assert received == sent and sink.sent == 3000 and sink.journaled == 0
