"""The run log records what people do through the services; admins read it filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from service_fixtures import write_draft

from drafting.service.facade import DraftingService, ServiceError
from drafting.service.security.run_log import RunLogService
from drafting.store.run_log import RunLogStore


def test_drafting_actions_are_recorded_with_who_and_what(service: DraftingService, sheet) -> None:
    draft_id = write_draft(service, sheet, "w1")
    section = service.drafts.open_draft("w1", draft_id).draft.sections[1]
    key = section.key
    service.editing.save_section("w1", draft_id, key, "新的一段文字。")
    service.editing.restore("w1", draft_id, 1)
    service.export.export_docx("w1", draft_id)
    rows = service.run_log.entries("a1").rows
    assert [(r.user, r.action) for r in rows] == [
        ("w1", "导出 Word"),
        ("w1", "恢复版本"),
        ("w1", "修改段落"),
        ("w1", "生成初稿"),
    ]
    assert all(r.target == draft_id and r.ok for r in rows)
    # 1: started, 2: generated; the section named as people read it, not by its key
    assert rows[2].detail == f"{section.heading}（第 3 版）" and key not in rows[2].detail
    assert rows[0].detail.endswith("（第 4 版）") and ".docx" in rows[0].detail
    assert rows[3].detail == "全文：完成"


def test_a_refused_action_is_not_recorded_as_done(service: DraftingService, sheet) -> None:
    draft_id = write_draft(service, sheet, "w1")
    with pytest.raises(ServiceError):
        service.export.export_docx("w2", draft_id)
    assert [r.action for r in service.run_log.entries("a1").rows] == ["生成初稿"]


def test_model_settings_changes_are_recorded_without_the_key(service: DraftingService) -> None:
    service.model.save("a1", "http://127.0.0.1:9/v1", "qwen", "sk-SECRET-planted-123")
    service.model.clear("a1")
    rows = service.run_log.entries("a1", action="model_settings").rows
    assert len(rows) == 2 and "已更换密钥" in rows[1].detail
    assert all("SECRET" not in r.detail + r.target for r in rows)


def _store_with_days(tmp_path) -> RunLogStore:
    store = RunLogStore(tmp_path / "log.sqlite3")
    start = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    for n in range(120):
        store.record(f"u{n % 3}", "export" if n % 2 else "edit", f"d{n}", at=start + timedelta(hours=n))
    return store


def test_filters_and_pages_newest_first(service: DraftingService, tmp_path) -> None:
    log = RunLogService(service.access, _store_with_days(tmp_path), zone=UTC)
    first = log.entries("a1", page_size=50)
    assert (first.total, first.pages, first.page) == (120, 3, 1)
    assert first.rows[0].target == "d119" and first.rows[-1].target == "d70"
    last = log.entries("a1", page=3, page_size=50)
    assert [r.target for r in last.rows][-1] == "d0" and len(last.rows) == 20
    assert log.entries("a1", page=99, page_size=50).page == 3
    mine = log.entries("a1", user="u1", action="export")
    assert mine.total == 20 and all(r.user == "u1" and r.action == "导出 Word" for r in mine.rows)
    day = log.entries("a1", since="2026-12-02", until="2026-12-02")
    assert day.total == 24 and {r.at[:10] for r in day.rows} == {"2026-12-02"}


def test_dates_are_local_days(service: DraftingService, tmp_path) -> None:
    beijing = timezone(timedelta(hours=8))
    log = RunLogService(service.access, _store_with_days(tmp_path), zone=beijing)
    day = log.entries("a1", since="2026-12-02", until="2026-12-02")
    assert day.total == 24 and {r.at[:10] for r in day.rows} == {"2026-12-02"}
    assert day.rows[-1].at == "2026-12-02 00:00:00"  # 16:00 UTC the day before


def test_bad_filters_say_what_is_wrong(service: DraftingService) -> None:
    with pytest.raises(ServiceError, match="不是日期"):
        service.run_log.entries("a1", since="12/05")
    with pytest.raises(ServiceError, match="晚于"):
        service.run_log.entries("a1", since="2026-12-05", until="2026-12-01")
    with pytest.raises(ServiceError, match="没有"):
        service.run_log.entries("a1", action="dance")
