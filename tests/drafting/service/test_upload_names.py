"""Uploads are stored under generated folders inside the data directory, whatever their names."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.service.facade import DraftingService
from drafting.service.knowledge import display_name

REPORT = "关于2025年粮食生产工作的总结\n一、主要工作\n今年以来，我区认真落实粮食安全责任制，全年粮食播种面积稳定。\n二、下一步打算\n继续抓好春耕备耕。\n"


def _file(tmp_path: Path, text: str, n: int) -> Path:
    path = tmp_path / f"upload-{n}.txt"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("original", "shown"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\报告.txt", "报告.txt"),
        ("/abs/path/总结.docx", "总结.docx"),
        ("a\x00b\x1f\u202ec.txt", "abc.txt"),
        ('我的<报告>:"2025"?.txt', "我的_报告___2025__.txt"),
        ("  报告.txt.  ", "报告.txt"),
        ("ＡＢＣ报告.txt", "ＡＢＣ报告.txt"),
        ("..", ""),
        (".hidden.txt", ""),
        ("", ""),
        ("???", ""),
        ("长" * 300 + ".docx", "长" * 95 + ".docx"),
    ],
)
def test_display_names(original: str, shown: str) -> None:
    assert display_name(original) == shown


def test_hostile_names_stay_inside_the_library(kb_service: DraftingService, tmp_path: Path) -> None:
    library = kb_service.settings.home / "library"
    outside = kb_service.settings.home / "passwd.txt"
    names = ["../passwd.txt", "..\\..\\passwd.txt", "/tmp/passwd.txt", "sub/../../passwd.txt"]
    files = [(name, _file(tmp_path, REPORT + f"第{n}份。\n", n)) for n, name in enumerate(names)]
    results = kb_service.knowledge.ingest("w1", files)
    assert not outside.exists() and not (tmp_path / "passwd.txt").exists()
    stored = sorted(p for p in library.rglob("*") if p.is_file())
    assert all(p.resolve().is_relative_to(library.resolve()) for p in stored)
    # Same shown name, different contents: each kept under its own folder and a numbered name.
    assert sorted(r.name for r in results) == [
        "passwd.txt",
        "passwd（2）.txt",
        "passwd（3）.txt",
        "passwd（4）.txt",
    ]
    assert len({p.parent for p in stored}) == 4
    assert {r.status for r in results} == {"新增"}
    sources = {d.source for d in kb_service.knowledge.documents("w1")}
    assert "passwd（2）.txt" in sources
    # The original names are kept in the run log.
    details = [e.detail for e in kb_service.run_log.entries("a1", action="ingest").rows]
    assert any("原文件名：../passwd.txt" in d for d in details)


def test_same_name_again_replaces_and_identical_twins_are_skipped(
    kb_service: DraftingService, tmp_path: Path
) -> None:
    first = kb_service.knowledge.ingest("w1", [("总结.txt", _file(tmp_path, REPORT, 1))])
    assert [r.status for r in first] == ["新增"]
    again = kb_service.knowledge.ingest(
        "w1",
        [
            ("总结.txt", _file(tmp_path, REPORT + "补充一句。\n", 2)),
            ("总结.txt", _file(tmp_path, REPORT + "补充一句。\n", 3)),
        ],
    )
    assert sorted(r.status for r in again) == ["已替换", "未变化"]
    assert len(kb_service.knowledge.documents("w1")) == 1


def test_a_bad_name_is_reported_and_the_rest_go_in(kb_service: DraftingService, tmp_path: Path) -> None:
    results = kb_service.knowledge.ingest(
        "w1", [("..", _file(tmp_path, REPORT, 1)), ("好.txt", _file(tmp_path, REPORT, 2))]
    )
    assert [(r.name, r.status) for r in results] == [("..", "失败"), ("好.txt", "新增")]
    assert "文件名无效" in results[0].reason
