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
