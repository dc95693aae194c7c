"""tui.heap.IdleCollector: CPython's full collections moved to the moments the user pauses.

The real ``gc`` module is driven (no stand-in): thresholds, the freeze, and the counter of young
collections are read back from it. Time is injected."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tui.heap import NEVER, IdleCollector


class Seconds:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


@pytest.fixture
def heap(clock: Seconds) -> Iterator[IdleCollector]:
    saved = gc.get_threshold()
    collector = IdleCollector(clock=clock, idle=0.4, force=30.0, due=10)
    yield collector
    collector.stop()
    assert gc.get_threshold() == saved  # stop always puts CPython's schedule back
    assert gc.get_freeze_count() == 0


def young_collections(n: int) -> None:
    """Make the collector's counter of young-generation collections reach ``n``."""
    for _ in range(n * 2):
        gc.collect(1)
        if gc.get_count()[2] >= n:
            return
    raise AssertionError(f"gc counter stuck at {gc.get_count()}")


def test_start_freezes_what_is_alive_and_takes_the_oldest_generation_off_the_schedule(
    heap: IdleCollector,
) -> None:
    young, middle, _ = gc.get_threshold()
    heap.start()
    assert gc.get_threshold() == (young, middle, NEVER)
    assert heap.frozen and gc.get_freeze_count() > 0
    heap.start()  # twice is once
    heap.stop()
    assert gc.get_threshold()[2] != NEVER and gc.get_freeze_count() == 0


def test_a_full_collection_waits_for_the_schedule_and_a_pause(
    heap: IdleCollector, clock: Seconds
) -> None:
    heap.start()
    gc.collect(1)  # the counter of young collections starts from nothing
    clock.advance(5)
    assert heap.tick() is False  # idle, but too few young collections since: nothing due
    young_collections(10)
    heap.touch()
    clock.advance(0.3)
    assert heap.tick() is False  # due, but a key was pressed 0.3 s ago
    clock.advance(0.15)
    assert heap.tick() is True and heap.collections == 1
    assert gc.get_count()[2] == 0  # a full collection resets the counter
    assert heap.tick() is False


def test_input_that_never_pauses_still_gets_a_collection_after_force_seconds(
    heap: IdleCollector, clock: Seconds
) -> None:
    heap.start()
    young_collections(10)
    for _ in range(299):  # a key every 0.1 s for 29.9 s
        clock.advance(0.1)
        heap.touch()
        assert heap.tick() is False
    clock.advance(0.2)
    heap.touch()
    assert heap.tick() is True


def test_a_collector_that_was_never_started_does_nothing(
    heap: IdleCollector, clock: Seconds
) -> None:
    saved = gc.get_threshold()
    young_collections(10)
    clock.advance(10)
    assert heap.tick() is False
    heap.stop()
    assert gc.get_threshold() == saved and not heap.frozen and heap.collections == 0
