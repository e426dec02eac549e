"""`drafter docs edit / move`, the attention marks of `docs list` and the passages of `docs show --json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafting.cli.main import main
from drafting.service import components
from retrieval.index.embedder import HashingEmbedder
from retrieval.ingest.ingestion import ParagraphParser


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(components, "build_embedder", lambda settings: HashingEmbedder(128))
    monkeypatch.setattr(components, "build_parser", lambda settings=None: ParagraphParser())


@pytest.fixture
def doc_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "reports" / "000_9a.txt"
    path.parent.mkdir()
    path.write_text(
        "青川区委组织部2024年全年工作总结\n# work\n全年共举办各类主体班次46期，培训干部5,380人次。\n"
        "# problems\n农村党员老龄化问题突出，60岁以上的占41.7%。\n",
        encoding="utf-8",
    )
    assert main(["ingest", str(path)]) == 0
    capsys.readouterr()
    assert main(["docs", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)[0]["id"]


def _show(doc_id: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["docs", "show", doc_id, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_show_json_has_the_passages_with_offsets(doc_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = _show(doc_id, capsys)
    assert [(p["part"], p["text"][:4]) for p in data["passages"]] == [
        ("work", "全年共举"),
        ("problems", "农村党员"),
    ]
    assert all({"id", "text", "part", "heading", "start", "end"} <= p.keys() for p in data["passages"])


def test_list_marks_documents_needing_attention_and_edit_clears_it(
    doc_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # ParagraphParser reads no kind: the document needs attention until a person says what it is.
    assert main(["docs", "list"]) == 0
    out = capsys.readouterr().out
    assert "未识别出类型" in out and "1 份需要核对" in out
    assert (
        main(["docs", "edit", doc_id, "--kind", "year-end", "--org", "青川区委组织部", "--year", "2024"]) == 0
    )
    assert "已更正" in capsys.readouterr().out
    assert main(["docs", "move", doc_id, "--part", "plans", "--passage", f"{doc_id}:0"]) == 0
    capsys.readouterr()
    data = _show(doc_id, capsys)
    assert (data["kind"], data["org"], data["year"]) == ("year-end", "青川区委组织部", 2024)
    assert data["passages"][0]["part"] == "plans"
    assert "未识别出类型" not in data["attention"]


def test_edit_and_move_refuse_nonsense(doc_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "edit", doc_id]) == 2
    assert main(["docs", "edit", "nope", "--title", "x"]) == 2
    assert main(["docs", "move", doc_id, "--part", "plans"]) == 2
    assert main(["docs", "move", doc_id, "--part", "plans", "--passage", "nope:1"]) == 2
    assert "没有段落" in capsys.readouterr().err
