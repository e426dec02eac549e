from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.documents import Line, LoadedDocument
from retrieval.ingest import parsing
from retrieval.ingest.parsing import (
    SUPPORTED_SUFFIXES,
    DocumentError,
    EmptyDocumentError,
    EmptyLineIndex,
    InMemoryLineIndex,
    ParsedDocument,
    UnsupportedFormatError,
    candidate_fingerprints,
    load_file,
    parse_file,
    parse_loaded,
)

CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "reports"
CORPUS_FILES = sorted(p for p in CORPUS.glob("*") if p.is_file()) if CORPUS.is_dir() else []

REPORT = """东湖街道党工委2025年上半年工作总结和下半年工作计划
今年以来，东湖街道党工委坚持党建引领，扎实推进各项工作。现将有关情况报告如下。
一、上半年工作开展情况
（一）坚持以学铸魂，政治建设持续加强。街道党工委理论学习中心组开展集中学习9次、专题研讨4次。
— 1 —
二、存在的不足
一是学习形式单一；二是党员队伍结构不够合理。
三、下半年工作计划
（一）巩固深化学习教育成果。对尚未完成整改的5个问题明确时限、跟踪督办。
下半年，街道党工委将以更加务实的作风推动各项工作落地见效。
"""


def _assert_consistent(parsed: ParsedDocument) -> None:
    text = parsed.cleaned.text
    for block in parsed.structure.blocks:
        assert text[block.start : block.end] == block.text
    for passage in parsed.passages:
        assert text[passage.start : passage.end] == passage.text


def test_the_facade_exposes_the_supported_types_and_errors() -> None:
    assert {".txt", ".md", ".docx", ".pdf", ".doc", ".wps"} <= SUPPORTED_SUFFIXES
    assert issubclass(UnsupportedFormatError, DocumentError)
    assert set(parsing.__all__) >= {"load_file", "parse_loaded", "ParsedDocument", "DocumentError"}


def test_parse_file_runs_the_whole_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "2025-东湖街道党工委-上半年工作总结.txt"
    path.write_text(REPORT, encoding="utf-16")
    parsed = parse_file(path)
    _assert_consistent(parsed)
    assert parsed.loaded.encoding == "utf-16-le"
    assert [r.reason for r in parsed.cleaned.removed] == ["页码"]
    assert (parsed.structure.kind, parsed.structure.period, parsed.structure.org) == (
        "half-year",
        "2025年上半年",
        "东湖街道党工委",
    )
    assert [p.part for p in parsed.passages] == ["opening", "work", "problems", "plans", "closing"]
    assert parsed.passages[0].id == "2025-东湖街道党工委-上半年工作总结:0"
    assert {p.source for p in parsed.passages} == {path.name}


def test_a_batch_is_parsed_against_each_others_lines(tmp_path: Path) -> None:
    header = "江城政务资料网 内部交流"
    docs = {}
    for org in ("甲局", "乙局", "丙局"):
        path = tmp_path / f"2025-{org}-上半年工作总结.txt"
        path.write_text(f"{header}\n{REPORT.replace('东湖街道党工委', org)}", encoding="utf-8")
        docs[path.stem] = load_file(path)
    index = InMemoryLineIndex()
    for key, doc in docs.items():
        index.add(key, candidate_fingerprints(doc))
    for key, doc in docs.items():
        parsed = parse_loaded(doc, index.excluding(key), doc_id=key, max_chars=200)
        _assert_consistent(parsed)
        assert [r.reason for r in parsed.cleaned.removed] == ["在3份文件中重复出现的页眉页脚", "页码"]
        assert parsed.structure.title.startswith(key.split("-")[1])


def test_a_document_of_nothing_but_noise_is_empty() -> None:
    doc = LoadedDocument(
        path="广告.txt", lines=[Line("— 1 —"), Line("咨询QQ：2855XXXX 加入会员群获取更多范文")]
    )
    with pytest.raises(EmptyDocumentError, match="广告.txt"):
        parse_loaded(doc, EmptyLineIndex(), doc_id="x")


def test_a_title_alone_has_no_passages() -> None:
    doc = LoadedDocument(path="标题.txt", lines=[Line("某局2025年上半年工作总结")])
    with pytest.raises(EmptyDocumentError):
        parse_loaded(doc, EmptyLineIndex(), doc_id="x")


@pytest.mark.skipif(not CORPUS_FILES, reason="corpus/reports is empty")
def test_every_corpus_report_parses_with_exact_offsets_and_work_and_plans() -> None:
    loaded = {path.name: load_file(path) for path in CORPUS_FILES}
    index = InMemoryLineIndex()
    for name, doc in loaded.items():
        index.add(name, candidate_fingerprints(doc))
    for name, doc in loaded.items():
        parsed = parse_loaded(doc, index.excluding(name), doc_id=name, max_chars=320)
        _assert_consistent(parsed)
        parts = {p.part for p in parsed.passages}
        assert {"work", "plans"} <= parts, f"{name}: {sorted(parts)}"
        assert all(len(p.text) <= 640 for p in parsed.passages), name
        assert parsed.structure.title and parsed.structure.year, name
