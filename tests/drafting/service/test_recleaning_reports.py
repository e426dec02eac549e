"""How re-cleaned earlier documents reach a person: the `drafter ingest` and `drafter docs remove`
output (fake parser and hashing embedder, as in test_cli_knowledge) and the upload result rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.service import components
from drafting.service.knowledge import file_results
from retrieval.index.embedder import HashingEmbedder
from retrieval.ingest.ingestion import DocumentOutcome, IngestFailure, IngestReport, ParagraphParser

HEADER = "内部资料 注意保存"


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components, "build_embedder", lambda settings: HashingEmbedder(128))
    monkeypatch.setattr(components, "build_parser", lambda settings=None: ParagraphParser())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"某单位2024年全年工作总结\n{HEADER}\n# work\n{text}\n", encoding="utf-8")
    return path


def test_ingest_and_remove_name_the_earlier_files_cleaned_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "first", "a.txt", "甲单位的正文。")
    assert main(["ingest", str(tmp_path / "first")]) == 0
    capsys.readouterr()
    write(tmp_path / "later", "b.txt", "乙单位的正文。")
    write(tmp_path / "later", "c.txt", "丙单位的正文。")

    assert main(["ingest", str(tmp_path / "later")]) == 0
    out = capsys.readouterr()
    assert "新增 2 份" in out.out and "重新清洗 1 份" in out.out
    assert "重新清洗：a.txt（发现与其他文件共有的页眉页脚，1 段）" in out.out
    assert "已重新清洗：a.txt" in out.err  # progress
    assert main(["docs", "show", "a.txt", "--removed"]) == 0
    assert f"第 2 行  [repeated across 3 files]  {HEADER}" in capsys.readouterr().out

    assert main(["docs", "remove", "c.txt"]) == 0
    out = capsys.readouterr()
    assert "已删除：c.txt" in out.out
    assert "重新清洗：a.txt（原先与其他文件共有的行已不再重复，予以恢复，2 段）" in out.out
    assert "重新清洗：b.txt" in out.out
    assert main(["docs", "show", "a.txt", "--removed"]) == 0
    out = capsys.readouterr()
    assert "清洗删去 0 行" in out.out and HEADER not in out.out


def test_upload_results_list_re_cleaned_and_skipped_files_last() -> None:
    report = IngestReport(
        added=[DocumentOutcome("/in/b.txt", "b", "乙", 2)],
        recleaned=[DocumentOutcome("/kb/a.txt", "a", "甲", 3, "发现与其他文件共有的页眉页脚")],
        not_recleaned=[IngestFailure("/kb/d.txt", "源文件已不在原处（/kb/d.txt），仍保留原先的清洗结果")],
    )
    rows = [(r.name, r.status, r.passages, r.reason) for r in file_results(report)]
    assert rows == [
        ("b.txt", "新增", 2, ""),
        ("a.txt", "重新清洗", 3, "发现与其他文件共有的页眉页脚"),
        ("d.txt", "未重新清洗", 0, "源文件已不在原处（/kb/d.txt），仍保留原先的清洗结果"),
    ]
    assert report.ok and report.passages_written == 5
    assert "  未重新清洗：d.txt：源文件已不在原处" in report.summary()
