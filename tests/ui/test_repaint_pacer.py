"""Streaming repaints: the first piece shows at once, later pieces at most every interval."""

from __future__ import annotations

from ui.draft.generation import RepaintPacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_first_piece_repaints_at_once_then_pieces_wait_for_the_interval() -> None:
    clock = Clock()
    pacer = RepaintPacer(0.25, clock)
    assert pacer.due()
    pacer.painted()
    clock.now += 0.1
    assert not pacer.due()
    clock.now += 0.15
    assert pacer.due()


def test_a_fast_stream_repaints_a_few_times_a_second_not_per_piece() -> None:
    clock = Clock()
    pacer = RepaintPacer(0.25, clock)
    repaints = 0
    for _ in range(200):  # 200 pieces over 2 s, as a fast endpoint sends them
        if pacer.due():
            pacer.painted()
            repaints += 1
        clock.now += 0.01
    assert repaints == 8
