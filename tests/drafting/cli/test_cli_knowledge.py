"""`drafter ingest / docs / search / eval retrieval` through drafting.cli.main.main, with the fake parser
and the hashing embedder behind the real catalog and embedded Chroma under DRAFTER_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.service import components
from retrieval.index.embedder import HashingEmbedder
from retrieval.ingest.ingestion import ParagraphParser

REAL_BUILD_EMBEDDER = components.build_embedder


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components, "build_embedder", lambda settings: HashingEmbedder(128))
    monkeypatch.setattr(components, "build_parser", lambda settings=None: ParagraphParser())


def write(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    write(
        folder / "qc-2024.txt",
        "青川区委组织部2024年全年工作总结",
        "# work",
        "全年共举办各类主体班次46期，培训干部5,380人次。",
        "# problems",
        "农村党员老龄化问题突出，60岁以上的占41.7%。",
    )
    write(
        folder / "lh-2025.txt",
        "临河县卫生健康局2025年上半年工作总结",
        "# work",
        "家庭医生签约服务覆盖率达到68%，重点人群签约率91%。",
        "# plans",
        "下半年继续推进家庭医生签约服务扩面提质。",
    )
    return folder


def ingest(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(reports)]) == 0
    capsys.readouterr()


def test_ingest_prints_a_summary_and_skips_unchanged_files(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(reports)]) == 0
    out = capsys.readouterr()
    assert "新增 2 份" in out.out and "写入段落 4 个" in out.out
    assert "已新增：qc-2024.txt" in out.err  # progress goes to stderr
    assert main(["ingest", str(reports)]) == 0
    assert "未变化 2 份" in capsys.readouterr().out


def test_bad_file_is_reported_and_the_exit_code_is_non_zero(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (reports / "broken.txt").write_bytes(b"\xff\xfe\x00\x81")
    assert main(["ingest", str(reports), str(reports / "nope.md")]) == 1
    out = capsys.readouterr().out
    assert "新增 2 份" in out and "失败 2 份" in out
    assert "broken.txt：无法按 UTF-8 解码" in out and "nope.md：文件或文件夹不存在" in out
    assert "Traceback" not in out


def test_ingest_without_paths_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest"]) == 2
    assert "请给出要入库的文件或文件夹" in capsys.readouterr().err


def test_docs_list_show_and_remove(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "list"]) == 0
    assert "知识库为空" in capsys.readouterr().out
    ingest(reports, capsys)

    assert main(["docs", "list"]) == 0
    out = capsys.readouterr().out
    assert "编号" in out and "qc-2024.txt" in out and "2025年上半年" in out and "共 2 份材料，4 个段落" in out
    assert main(["docs", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["source"] for d in listed} == {"qc-2024.txt", "lh-2025.txt"}

    assert main(["docs", "show", "qc-2024.txt"]) == 0
    out = capsys.readouterr().out
    assert "青川区委组织部2024年全年工作总结" in out and "提纲" in out and "问题不足 1" in out
    doc_id = next(d["id"] for d in listed if d["source"] == "qc-2024.txt")
    assert main(["docs", "show", doc_id, "--removed"]) == 0
    assert "清洗删去的行" in capsys.readouterr().out
    assert main(["docs", "show", "absent.txt"]) == 2
    assert "知识库中没有“absent.txt”" in capsys.readouterr().err

    assert main(["docs", "remove", "qc-2024.txt", "absent.txt"]) == 1
    captured = capsys.readouterr()
    assert "已删除：qc-2024.txt" in captured.out and "absent.txt" in captured.err
    assert main(["docs", "list", "--json"]) == 0
    assert [d["source"] for d in json.loads(capsys.readouterr().out)] == ["lh-2025.txt"]


def test_docs_show_lists_removed_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    for n in range(3):
        write(
            folder / f"r{n}.txt",
            f"某单位202{n}年全年工作总结",
            "内部资料 注意保存",
            "# work",
            f"第{n}份正文。",
        )
    ingest(folder, capsys)
    assert main(["docs", "show", "r1.txt", "--removed"]) == 0
    assert "第 2 行  [repeated across 3 files]  内部资料 注意保存" in capsys.readouterr().out


def test_search_json_fields_and_filters(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingest(reports, capsys)
    assert main(["search", "家庭医生签约服务", "--k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 2
    for name in ("text", "score", "source", "title", "part", "heading", "start", "end"):
        assert name in hits[0]
    assert hits[0]["source"] == "lh-2025.txt"

    assert main(["search", "家庭医生", "--part", "plans", "--year", "2025", "--org", "卫生", "--json"]) == 0
    assert [h["part"] for h in json.loads(capsys.readouterr().out)] == ["plans"]
    assert main(["search", "培训干部", "--mode", "lexical", "--year", "2025", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    assert main(["search", "培训干部多少人次"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] 得分") and "qc-2024.txt" in out and "培训干部5,380人次" in out


def test_search_user_errors_are_chinese_messages(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "培训"]) == 2
    assert "知识库为空" in capsys.readouterr().err
    ingest(reports, capsys)
    assert main(["search", "  "]) == 2
    assert "检索内容为空" in capsys.readouterr().err
    assert main(["search", "培训", "--part", "middle"]) == 2
    assert "部分“middle”无效" in capsys.readouterr().err
    assert main(["search", "培训", "--mode", "fuzzy"]) == 2
    assert "检索方式“fuzzy”无效" in capsys.readouterr().err
    assert main(["search", "量子计算机", "--mode", "lexical"]) == 0
    assert "没有找到相关段落" in capsys.readouterr().out


def test_search_with_another_embedder_asks_for_a_rebuild(
    reports: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(reports, capsys)
    monkeypatch.setattr(components, "build_embedder", lambda settings: HashingEmbedder(64))
    assert main(["search", "家庭医生"]) == 2
    assert "drafter ingest --rebuild" in capsys.readouterr().err
    assert main(["ingest", "--rebuild"]) == 0
    assert "向量索引已重建：4 个段落" in capsys.readouterr().out
    assert main(["search", "家庭医生", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["source"] == "lh-2025.txt"


def test_missing_embedding_model_is_a_clear_error(
    reports: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(components, "build_embedder", REAL_BUILD_EMBEDDER)  # reads the setting below
    monkeypatch.setenv("DRAFTER_EMBEDDING__MODEL", "/no/such/model")
    assert main(["ingest", str(reports)]) == 2
    err = capsys.readouterr().err
    assert "向量模型文件夹不存在" in err and "DRAFTER_EMBEDDING__MODEL" in err


def test_unreachable_chroma_server_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRAFTER_CHROMA__HOST", "127.0.0.1")
    monkeypatch.setenv("DRAFTER_CHROMA__PORT", "1")  # nothing listens on port 1
    assert main(["docs", "list"]) == 2
    assert "无法连接 Chroma 服务器 127.0.0.1:1" in capsys.readouterr().err


def _queries(tmp_path: Path) -> Path:
    return write(
        tmp_path / "queries.yaml",
        "- {query: 办了多少期主体班培训了多少干部, source: qc-2024.txt, answer: 培训干部5,380人次, part: work}",
        "- {query: 家庭医生签约覆盖率, source: lh-2025.txt, answer: 签约服务覆盖率达到68%, part: work}",
        "- {query: 标错的查询, source: lh-2025.txt, answer: 文中没有这句话, part: work}",
    )


def test_eval_retrieval_on_an_empty_knowledge_base_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "retrieval", "--queries", str(_queries(tmp_path))]) == 2
    assert "知识库为空" in capsys.readouterr().err
    assert main(["eval", "retrieval", "--queries", str(tmp_path / "absent.yaml")]) == 2
    assert "找不到查询文件" in capsys.readouterr().err


def test_eval_retrieval_prints_metrics_and_label_errors(
    reports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(reports, capsys)
    assert (
        main(
            [
                "eval",
                "retrieval",
                "--queries",
                str(_queries(tmp_path)),
                "--k",
                "3",
                "--dense-weights",
                "0,0.5",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "共 2 条查询（k=3）" in out and "R@1" in out and "R@3" in out and "MRR" in out
    assert "hybrid(dense=0.5)" in out and "标注问题 1 条" in out and "queries.yaml#3" in out
    assert main(["eval", "retrieval", "--queries", str(_queries(tmp_path)), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [s["mode"] for s in result["scores"]] == ["lexical", "dense", "hybrid"]
    assert result["scores"][0]["r@1"] == 1.0 and len(result["label_errors"]) == 1


def test_eval_retrieval_can_build_a_temporary_knowledge_base(
    reports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["eval", "retrieval", "--queries", str(_queries(tmp_path)), "--ingest", str(reports), "--json"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["queries"] == 2
    assert main(["docs", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # the user's knowledge base was not touched
