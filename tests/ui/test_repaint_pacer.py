"""Streaming repaints: the first piece shows at once, later pieces at most every interval, and
streams running at once share the repaint rate."""

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


def test_streams_running_at_once_share_the_repaint_rate_up_to_a_limit() -> None:
    clock = Clock()
    with RepaintPacer(0.25, clock) as first:
        assert first.interval() == 0.25  # one writer alone: four repaints a second
        with RepaintPacer(0.25, clock), RepaintPacer(0.25, clock):
            assert first.interval() == 0.75
            crowd = [RepaintPacer(0.25, clock).__enter__() for _ in range(20)]
            assert first.interval() == 2.0  # never slower than a repaint every two seconds
            for pacer in crowd:
                pacer.__exit__(None, None, None)
        assert first.interval() == 0.25
    assert RepaintPacer(0.25, clock).interval() == 0.25
