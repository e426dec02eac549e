"""`drafter draft | check | export | stub-llm` end to end, offline (composer) and through the stub."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from stub_command import stub_llm_command

from drafting.cli.main import main
from drafting.service import components
from drafting.writing.stub_llm import StubLLM
from retrieval.documents import Passage, SearchHit

REPO = Path(__file__).resolve().parents[3]
FACTS = REPO / "corpus" / "facts" / "half-year.yaml"
TITLE = "云溪区委组织部2026年上半年工作总结和下半年工作计划"


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture(autouse=True)
def no_knowledge_base(monkeypatch):
    """Most tests do not need the real index (which would load an embedding model)."""
    monkeypatch.setattr(components, "build_knowledge_base", lambda settings: EmptyKnowledgeBase())


class EmptyKnowledgeBase:
    class catalog:  # noqa: N801 - mimics the attribute
        @staticmethod
        def document_count() -> int:
            return 0

    def check_embedder(self) -> None: ...


class OnePassageKnowledgeBase(EmptyKnowledgeBase):
    class catalog:  # noqa: N801
        @staticmethod
        def document_count() -> int:
            return 1

    passage = Passage(
        "past:1", "past", "坚持把干部教育培训作为基础性工程。", "2025-总结.txt", "2025年工作总结", "2025年",
        2025, "某部", "half-year", "work", "一、工作", 0, 17,
    )  # fmt: skip

    def search(self, query, filters, k=5):
        return [SearchHit(self.passage, 1.0)] if filters.part == "work" else []


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def draft_json(capsys, *extra: str) -> dict:
    code, out, err = run(capsys, "draft", "--facts", str(FACTS), "--json", *extra)
    assert code == 0, err
    return json.loads(out)


# ---------------------------------------------------------------- offline composer


def test_offline_draft_check_and_export_end_to_end(capsys, workdir):
    result = draft_json(capsys, "--out", "draft.docx")
    assert result["mode"] == "composer" and result["title"] == TITLE
    assert result["version"] == 1 and result["id"]
    assert {s["mode"] for s in result["sections"]} == {"composer"}
    assert all(s["status"] == "done" for s in result["sections"])
    work0 = next(s for s in result["sections"] if s["key"] == "work:0")
    assert work0["heading"] == "（一）扎实开展干部教育培训"
    assert work0["paragraphs"][0]["fact_ids"] == ["work.0.0", "work.0.1", "work.0.2"]
    assert result["flags"] == [] and result["unused_facts"] == []
    assert (workdir / "draft.docx").is_file()
    (workdir / "draft.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")

    for target in (result["id"], "draft.json"):
        code, out, err = run(capsys, "check", target)
        assert code == 0, err
        assert "未发现问题" in out
    code, out, _ = run(capsys, "check", "draft.docx", "--facts", str(FACTS), "--json")
    assert code == 0 and json.loads(out)["total"] == 0

    code, out, err = run(capsys, "export", result["id"], "--out", "again.docx", "--comments")
    assert code == 0, err
    assert "第 1 版" in out
    lines = [
        p.text.replace("\n", "")
        for p in docx.Document(str(workdir / "again.docx")).paragraphs
        if p.text.strip()
    ]
    assert lines[0] == TITLE
    assert "一、2026年上半年工作开展情况" in lines and "（一）扎实开展干部教育培训" in lines


def test_human_output_names_mode_id_file_and_grounding(capsys, workdir):
    code, out, err = run(capsys, "draft", "--facts", str(FACTS))
    assert code == 0, err
    assert "撰写方式：离线模板撰写" in out
    assert "草稿编号：" in out and "（第 1 版）" in out
    assert f"Word 文件：{workdir / (TITLE + '.docx')}" in out
    assert "核对：未发现问题" in out
    assert "知识库为空" in out
    # A second draft with the same title does not overwrite the first file.
    code, out, _ = run(capsys, "draft", "--facts", str(FACTS))
    assert code == 0
    assert len(list(workdir.glob("*.docx"))) == 2


def test_check_finds_invented_numbers_in_an_edited_json_draft(capsys, workdir):
    result = draft_json(capsys, "--out", "d.docx")
    work0 = next(s for s in result["sections"] if s["key"] == "work:0")
    work0["paragraphs"][0]["text"] = work0["paragraphs"][0]["text"].replace("3期", "8期")
    (workdir / "edited.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(capsys, "check", "edited.json", "--strict")
    assert code == 1
    assert "8期" in out or "8" in out
    code, out, _ = run(capsys, "check", "edited.json", "--json")
    assert code == 0 and json.loads(out)["counts"]["unsupported_number"] >= 1


def test_check_accepts_a_draft_and_facts_bundle(capsys, workdir):
    from drafting.settings import Settings
    from drafting.store.drafts import DraftStore

    result = draft_json(capsys, "--out", "d.docx")
    saved = DraftStore(Settings().drafts_db_path).get_version(result["id"])
    from drafting.facts.sheet import facts_to_mapping
    from drafting.store.draft_json import draft_to_json

    bundle = {"draft": draft_to_json(saved.draft), "facts": facts_to_mapping(saved.facts)}
    bundle["draft"]["id"] = None
    (workdir / "bundle.json").write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "check", "bundle.json")
    assert code == 0, err
    assert "未发现问题" in out


def test_no_retrieval_does_not_touch_the_knowledge_base(capsys, monkeypatch):
    def refuse(settings):
        raise AssertionError("knowledge base built despite --no-retrieval")

    monkeypatch.setattr(components, "build_knowledge_base", refuse)
    result = draft_json(capsys, "--no-retrieval", "--out", "d.docx")
    assert result["mode"] == "composer"


def test_exemplars_from_the_knowledge_base_are_recorded(capsys, monkeypatch):
    from drafting.settings import Settings
    from drafting.store.drafts import DraftStore

    monkeypatch.setattr(components, "build_knowledge_base", lambda settings: OnePassageKnowledgeBase())
    code, out, err = run(capsys, "draft", "--facts", str(FACTS), "--json", "--out", "d.docx")
    assert code == 0 and "知识库为空" not in err
    saved = DraftStore(Settings().drafts_db_path).get_version(json.loads(out)["id"])
    assert saved.record.passage_ids["work:0"] == ["past:1"]
    assert saved.record.passage_ids["opening"] == []


def test_an_unusable_knowledge_base_is_reported_and_the_draft_still_written(capsys, monkeypatch):
    def broken(settings):
        raise RuntimeError("索引损坏")

    monkeypatch.setattr(components, "build_knowledge_base", broken)
    code, out, err = run(capsys, "draft", "--facts", str(FACTS), "--json", "--out", "d.docx")
    assert code == 0
    assert "知识库无法使用" in err and "索引损坏" in err
    assert json.loads(out)["mode"] == "composer"


# ---------------------------------------------------------------- through the stub endpoint


def test_draft_through_the_stub_endpoint_then_check_and_export(capsys, workdir, monkeypatch):
    with StubLLM(model="stub-model") as stub:
        monkeypatch.setenv("DRAFTER_LLM__BASE_URL", stub.base_url)
        monkeypatch.setenv("DRAFTER_LLM__MODEL", "stub-model")
        result = draft_json(capsys, "--out", "llm.docx")
        requests = stub.chat_requests
    generated = [s for s in result["sections"] if s["key"] not in ("work", "plans")]
    assert result["mode"] == "llm:stub-model"
    # The stub answers the fact-less closing with a bare placeholder, which gets the composer's
    # standard closing instead; every other section is the model's.
    assert {s["key"] for s in generated if s["mode"] == "composer"} == {"closing"}
    assert {s["mode"] for s in generated if s["key"] != "closing"} == {"llm:stub-model"}
    assert len(requests) == len(generated) and all(r.stream for r in requests)
    work0 = next(s for s in result["sections"] if s["key"] == "work:0")
    assert work0["paragraphs"][0]["text"].startswith("依托区委党校举办科级干部培训班3期，培训180人次。")
    assert work0["paragraphs"][0]["fact_ids"] == ["work.0.0", "work.0.1", "work.0.2"]
    # The stub restates facts only, so nothing is unsupported, and no placeholder is left.
    assert {f["kind"] for f in result["flags"]} <= {"placeholder"}
    assert not [f for f in result["flags"] if f["section"] == "closing"]

    monkeypatch.delenv("DRAFTER_LLM__BASE_URL")
    code, out, _ = run(capsys, "check", result["id"], "--json")
    assert code == 0 and json.loads(out)["counts"]["unsupported_number"] == 0
    code, _, err = run(capsys, "export", result["id"], "--out", "exported.docx")
    assert code == 0, err
    assert (workdir / "exported.docx").is_file()


def test_human_output_names_the_model(capsys, monkeypatch):
    with StubLLM() as stub:
        monkeypatch.setenv("DRAFTER_LLM__BASE_URL", stub.base_url)
        monkeypatch.setenv("DRAFTER_LLM__MODEL", "qwen2.5:7b")
        code, out, err = run(capsys, "draft", "--facts", str(FACTS), "--out", "d.docx")
    assert code == 0, err
    assert "撰写方式：模型 qwen2.5:7b" in out


def test_failed_sections_are_saved_reported_and_exit_nonzero(capsys, monkeypatch):
    with StubLLM() as stub:
        stub.fail_next("garbage")
        monkeypatch.setenv("DRAFTER_LLM__BASE_URL", stub.base_url)
        monkeypatch.setenv("DRAFTER_LLM__CONCURRENCY", "1")
        code, out, err = run(capsys, "draft", "--facts", str(FACTS), "--json", "--out", "d.docx")
    assert code == 3
    result = json.loads(out)
    assert [s["key"] for s in result["sections"] if s["status"] == "failed"] == ["opening"]
    assert "无法解析" in err and "1 个部分生成失败" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- errors are one Chinese line


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 1
    assert "Traceback" not in err
    assert err.startswith("错误：")
    for needle in needles:
        assert needle in err


def test_endpoint_down(capsys, monkeypatch):
    with StubLLM() as stub:
        url = stub.base_url
    monkeypatch.setenv("DRAFTER_LLM__BASE_URL", url)
    monkeypatch.setenv("DRAFTER_LLM__MAX_RETRIES", "0")
    code, _, err = run(capsys, "draft", "--facts", str(FACTS), "--out", "d.docx", "--no-retrieval")
    assert_one_line_error(code, err, "无法连接模型接口")
    assert len(err.strip().splitlines()) == 1


def test_bad_endpoint_url(capsys, monkeypatch):
    monkeypatch.setenv("DRAFTER_LLM__BASE_URL", "api.example.com")
    code, _, err = run(capsys, "draft", "--facts", str(FACTS), "--no-retrieval")
    assert_one_line_error(code, err, "地址无效")


@pytest.mark.parametrize(
    "content, needle",
    [
        ("kind: half-year\norg: 某部\n".encode(), "period"),
        (b"\x00\x01\x02binary\xff\xfe garbage", ""),
        (b"", ""),
        (b"kind: [unclosed", ""),
    ],
)
def test_bad_facts_files(capsys, workdir, content, needle):
    (workdir / "facts.yaml").write_bytes(content)
    code, _, err = run(capsys, "draft", "--facts", "facts.yaml")
    assert_one_line_error(code, err, needle)


def test_missing_facts_file(capsys):
    code, _, err = run(capsys, "draft", "--facts", "nowhere.yaml")
    assert_one_line_error(code, err, "nowhere.yaml")


def test_unknown_draft_ids_and_versions(capsys):
    code, _, err = run(capsys, "export", "nope", "--out", "x.docx")
    assert_one_line_error(code, err, "找不到草稿 nope")
    code, _, err = run(capsys, "check", "nope")
    assert_one_line_error(code, err, "找不到草稿 nope")
    draft_id = draft_json(capsys, "--out", "d.docx")["id"]
    code, _, err = run(capsys, "export", draft_id, "--version", "4", "--out", "x.docx")
    assert_one_line_error(code, err, "没有第 4 版")


def test_check_input_errors(capsys, workdir):
    code, _, err = run(capsys, "check", "missing.docx")
    assert_one_line_error(code, err, "找不到文件")
    (workdir / "fake.docx").write_bytes(b"not a zip")
    code, _, err = run(capsys, "check", "fake.docx", "--facts", str(FACTS))
    assert_one_line_error(code, err, "无法作为 Word 文件打开")
    code, _, err = run(capsys, "check", "fake.docx")
    assert_one_line_error(code, err, "--facts")
    (workdir / "bad.json").write_bytes(b"{not json")
    code, _, err = run(capsys, "check", "bad.json", "--facts", str(FACTS))
    assert_one_line_error(code, err, "不是有效的 JSON")
    (workdir / "shape.json").write_text('{"sections": "oops"}', encoding="utf-8")
    code, _, err = run(capsys, "check", "shape.json", "--facts", str(FACTS))
    assert_one_line_error(code, err, "sections")
    (workdir / "nofacts.json").write_text('{"sections": []}', encoding="utf-8")
    code, _, err = run(capsys, "check", "nofacts.json")
    assert_one_line_error(code, err, "--facts")
    (workdir / "notes.txt").write_text("hello", encoding="utf-8")
    code, _, err = run(capsys, "check", "notes.txt")
    assert_one_line_error(code, err, "不支持的文件类型")


def test_export_to_an_unwritable_place(capsys, workdir):
    draft_id = draft_json(capsys, "--out", "d.docx")["id"]
    blocked = workdir / "d.docx" / "x.docx"  # a "directory" that is a file
    code, _, err = run(capsys, "export", draft_id, "--out", str(blocked))
    assert code == 1 and "Traceback" not in err and err.startswith("错误：")


# ---------------------------------------------------------------- the stub by hand


def test_stub_llm_command_serves_until_terminated(tmp_path):
    with stub_llm_command("--delay", "0") as served:
        assert "http://127.0.0.1:" in served.first_line
        import httpx

        assert httpx.get(served.url + "/models", timeout=5).json()["data"][0]["id"] == "stub-model"
    assert served.returncode == 0, served.err
    assert "已停止" in served.out


def test_stub_llm_refuses_a_public_address(capsys):
    code, _, err = run(capsys, "stub-llm", "--host", "0.0.0.0")
    assert_one_line_error(code, err, "本机")


class DownKnowledgeBase(OnePassageKnowledgeBase):
    """The vector store went away after the knowledge base was opened."""

    def search(self, query, filters, k=5):
        from retrieval.index.vector_store import VectorStoreError

        raise VectorStoreError("向量库连接失败：Chroma 服务器 127.0.0.1:9 无法访问（ConnectError）")


def test_a_vector_store_outage_mid_draft_is_reported_not_silent(capsys, monkeypatch):
    monkeypatch.setattr(components, "build_knowledge_base", lambda settings: DownKnowledgeBase())
    code, out, err = run(capsys, "draft", "--facts", str(FACTS), "--out", "d.docx")
    assert code == 0, err
    assert "提示：检索往年材料失败（向量库连接失败：Chroma 服务器 127.0.0.1:9" in out
    assert "未参考往年材料" in out
