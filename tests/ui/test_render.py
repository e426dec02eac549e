"""How stored times read on the pages."""

from __future__ import annotations

import time

import pytest

from ui.render import moment


@pytest.fixture
def beijing_clock(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_stored_utc_time_reads_as_the_local_clock_to_the_minute(beijing_clock) -> None:
    assert moment("2026-12-05T17:23:49+00:00") == "2026-12-06 01:23"
    assert moment("2026-07-05T01:30:00.123456+00:00") == "2026-07-05 09:30"


def test_a_time_without_zone_or_that_is_no_time_is_shown_as_it_is() -> None:
    assert moment("2026-07-05T09:30:00") == "2026-07-05 09:30"
    assert moment("上周") == "上周"
    assert moment(None) == "" and moment("") == ""


def test_the_start_up_ingest_note_says_how_far_it_got_and_how_it_ended() -> None:
    from drafting.service.facade import BackgroundIngest
    from ui.render import background_ingest_html

    assert background_ingest_html(None) == ""
    starting = BackgroundIngest("corpus/reports")
    assert "正在读取文件" in background_ingest_html(starting)
    running = BackgroundIngest("corpus/reports", fraction=0.5, last="已新增：a.txt（12 段）")
    shown = background_ingest_html(running)
    assert "已完成 50%" in shown and "已新增：a.txt" in shown
    done = BackgroundIngest("corpus/reports", running=False, fraction=1.0, summary="入库完成：新增 14 个。")
    shown = background_ingest_html(done)
    assert "note-ok" in shown and "新增 14 个" in shown
    failed = BackgroundIngest("corpus/reports", running=False, summary="入库失败（OSError：…）", failed=True)
    assert "note-error" in background_ingest_html(failed)
