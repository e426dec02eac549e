"""Hostile and broken input files: each is refused early with a Chinese message naming it, or read
correctly; limits are settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from drafting.settings import IngestSettings, Settings
from retrieval.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    NoTextLayerError,
    TooLargeError,
    UndecodableError,
)
from retrieval.ingest.ingestion import FacadeParser
from retrieval.ingest.limits import DEFAULT_LIMITS, InputLimits
from retrieval.ingest.loaders import load_file
from tests import hostile_files as hostile
from tests.knowledge_fixtures import make_kb

PROJECT = Path(__file__).resolve().parents[3]
CORPUS = PROJECT / "corpus" / "reports"


def test_settings_carry_the_same_defaults_as_the_retrieval_limits() -> None:
    assert IngestSettings().model_dump() == DEFAULT_LIMITS.__dict__


def test_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTER_INGEST__MAX_CHARS", "1234")
    monkeypatch.setenv("DRAFTER_CONFIG", "/nonexistent.toml")
    assert Settings().ingest.max_chars == 1234


def test_a_zip_bomb_docx_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    bomb = hostile.zip_bomb_docx(tmp_path / "年度总结.docx", inflated_mb=150)
    with pytest.raises(TooLargeError) as err:
        load_file(bomb)
    assert str(err.value).startswith("年度总结.docx：")
    assert "压缩炸弹" in str(err.value)


def test_a_zip_bomb_is_refused_before_it_uses_memory(tmp_path: Path) -> None:
    """Measured in a child process: refusing a 500 MB bomb must not inflate it (it peaked at 2 GB before)."""
    bomb = hostile.zip_bomb_docx(tmp_path / "bomb.docx", inflated_mb=500)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from retrieval.ingest.loaders import load_file\n"
        "try:\n    load_file(Path(sys.argv[1]))\nexcept Exception as exc:\n    print(type(exc).__name__)\n"
        # ru_maxrss survives exec (it would report the parent's peak); VmHWM belongs to this process.
        "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, cwd=PROJECT, timeout=120
    )
    name, peak_mb = result.stdout.split()
    assert name == "TooLargeError"
    assert int(peak_mb) < 250, f"peak RSS {peak_mb} MB"


def test_a_bomb_with_forged_sizes_is_stopped_while_streaming(tmp_path: Path) -> None:
    forged = hostile.forged_size_docx(tmp_path / "伪造.docx", inflated_mb=150)
    with pytest.raises((CorruptDocumentError, TooLargeError), match="伪造.docx"):
        load_file(forged)


def test_the_unpacked_limit_is_a_setting(tmp_path: Path) -> None:
    report = hostile.nested_tables_docx(tmp_path / "正常.docx", depth=2)
    assert load_file(report).lines
    with pytest.raises(TooLargeError, match="max_unpacked_mb"):
        load_file(report, limits=InputLimits(max_unpacked_mb=0.001))


def test_a_pdf_bomb_is_refused(tmp_path: Path) -> None:
    bomb = hostile.pdf_bomb(tmp_path / "汇报.pdf", inflated_mb=60)
    with pytest.raises(TooLargeError, match="汇报.pdf：PDF 的一段内容解压后超过"):
        load_file(bomb)


def test_a_30_mb_line_without_breaks_is_refused_before_reading(tmp_path: Path) -> None:
    huge = hostile.one_line_text(tmp_path / "日志.txt", mb=30)
    with pytest.raises(TooLargeError, match="文字过多.*max_chars"):
        load_file(huge)


def test_too_many_characters_after_loading(tmp_path: Path) -> None:
    report = hostile.good_text(tmp_path / "总结.txt")
    with pytest.raises(TooLargeError, match="上限为 100 字"):
        load_file(report, limits=InputLimits(max_chars=100))


def test_binary_data_behind_a_text_extension_is_refused_from_its_head(tmp_path: Path) -> None:
    junk = hostile.binary_as_text(tmp_path / "数据.txt")
    with pytest.raises(UndecodableError, match="数据.txt：.*二进制"):
        load_file(junk)


@pytest.mark.parametrize("name", ["空.txt", "空.docx", "空.pdf"])
def test_empty_files(tmp_path: Path, name: str) -> None:
    with pytest.raises(EmptyDocumentError, match="空的"):
        load_file(hostile.empty_file(tmp_path / name))


def test_a_docx_without_a_body(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocumentError, match="没有正文"):
        load_file(hostile.docx_without_body(tmp_path / "无正文.docx"))


def test_a_pdf_without_a_text_layer(tmp_path: Path) -> None:
    with pytest.raises(NoTextLayerError, match="OCR"):
        load_file(hostile.pdf_without_text(tmp_path / "扫描.pdf"))


def test_nested_tables_keep_their_text(tmp_path: Path) -> None:
    doc = load_file(hostile.nested_tables_docx(tmp_path / "表格.docx", depth=7))
    table = [line.text for line in doc.lines if line.style == "table"]
    assert table == ["第1层 第2层 第3层 第4层 第5层 第6层 最内层：新建村卫生室8所"]


def test_tables_nested_beyond_what_xml_allows_are_refused_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(CorruptDocumentError, match="嵌套层数过深"):
        load_file(hostile.nested_tables_docx(tmp_path / "深.docx", depth=300))


def test_mixed_utf8_and_gbk_lines_are_each_decoded(tmp_path: Path) -> None:
    doc = load_file(hostile.mixed_encoding_text(tmp_path / "混合.txt"))
    assert doc.encoding == "utf-8+gb18030"
    texts = [line.text for line in doc.lines]
    assert texts[0] == "石门镇2025年第三季度情况汇报"
    assert "部分村组资金拨付进度偏慢。" in texts


def test_control_and_invisible_characters_are_dropped(tmp_path: Path) -> None:
    doc = load_file(hostile.control_characters_text(tmp_path / "控制符.txt"))
    text = "".join(line.text for line in doc.lines)
    assert "主要工作" in text and "不足，" in text
    assert not any(ord(ch) < 32 or ch in "\ufeff\u200b" for ch in text)


# ---------------------------------------------------------------- limits on a batch


def _hostile_batch(folder: Path) -> list[Path]:
    folder.mkdir()
    good = [shutil.copy(p, folder / p.name) for p in sorted(CORPUS.glob("*.txt"))[:5]]
    bad = [
        hostile.zip_bomb_docx(folder / "炸弹.docx", inflated_mb=200),
        hostile.one_line_text(folder / "一行.txt", mb=30),
        hostile.binary_as_text(folder / "二进制.txt"),
    ]
    return [Path(p) for p in good] + bad


def test_a_batch_with_a_bomb_a_huge_line_and_binary_ingests_the_good_files(tmp_path: Path) -> None:
    files = _hostile_batch(tmp_path / "batch")
    kb = make_kb(tmp_path, parser=FacadeParser())
    report = kb.ingest([tmp_path / "batch"])
    assert sorted(Path(o.path).name for o in report.added) == sorted(p.name for p in files[:5])
    failed = {Path(f.path).name: f.reason for f in report.failed}
    assert set(failed) == {"炸弹.docx", "一行.txt", "二进制.txt"}
    assert "压缩炸弹" in failed["炸弹.docx"]
    assert "文字过多" in failed["一行.txt"]
    assert "二进制" in failed["二进制.txt"]
    assert all(f"失败：{name}" in report.summary() for name in failed)


def test_passages_per_file_are_limited(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    report_file = shutil.copy(sorted(CORPUS.glob("*.txt"))[0], tmp_path / "in" / "长.txt")
    kb = make_kb(tmp_path, parser=FacadeParser(), limits=InputLimits(max_passages=3))
    report = kb.ingest([report_file])
    assert not report.added
    assert "单个文件上限为 3 个" in report.failed[0].reason
    assert report.failed[0].reason.startswith("长.txt：")


def test_files_per_batch_are_limited_and_the_rest_named(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(4):
        hostile.good_text(folder / f"{n}.txt", title=f"第{n}街道2025年上半年工作总结")
    kb = make_kb(tmp_path, parser=FacadeParser(), limits=InputLimits(max_files=3))
    report = kb.ingest([folder])
    assert len(report.added) == 3
    assert [Path(f.path).name for f in report.failed] == ["3.txt"]
    assert "超过单批上限 3 个" in report.failed[0].reason
