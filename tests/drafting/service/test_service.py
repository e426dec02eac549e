"""The service layer the UI calls: permissions, visibility, drafting, editing, review, knowledge base.

Real collaborators throughout (SQLite stores, the pipeline with the offline composer or the stub
model through the real OpenAI adapter, the knowledge base with the hashing embedder and an
in-memory vector store); only password hashing is made cheap.
"""

from __future__ import annotations

import threading
from pathlib import Path

import docx
import pytest
from argon2 import PasswordHasher

from drafting.checking.compare import diff_drafts, matching_spans
from drafting.facts.files import parse_facts_file
from drafting.facts.table import rows_to_mapping, sheet_rows
from drafting.service.facade import DraftingService, ServiceError
from drafting.service.generation_bridge import ChosenExemplars
from drafting.service.prompts import with_front_matter_version
from drafting.store.accounts import UserStore, accounts_db_path
from drafting.store.drafts import DraftStore
from drafting.store.reviews import ReviewStore, reviews_db_path
from drafting.writing.chat import OpenAIChatModel
from drafting.writing.stub_llm import StubLLM
from drafting.writing.templates import prompt_library
from retrieval.documents import Passage, SearchFilters, SearchHit
from retrieval.index.catalog import Catalog
from retrieval.index.embedder import HashingEmbedder
from retrieval.index.lexical import Bm25Index
from retrieval.index.vector_store import InMemoryVectorStore
from retrieval.ingest.ingestion import FacadeParser
from retrieval.knowledge.knowledge_base import KnowledgeBase
from retrieval.search.query import load_lexicon

REPO = Path(__file__).resolve().parents[3]
FACTS = REPO / "corpus" / "facts" / "half-year.yaml"
REPORTS = REPO / "corpus" / "reports"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "12345678"


def _kb(settings) -> KnowledgeBase:
    return KnowledgeBase(
        catalog=Catalog(settings.kb_db_path),
        embedder=HashingEmbedder(),
        store=InMemoryVectorStore(),
        lexical=Bm25Index(),
        parser=FacadeParser(),
        config=settings.retrieval,
        lexicon=load_lexicon(),
    )


def _service(settings, tmp_path: Path, *, chat=None, kb=None) -> DraftingService:
    users = UserStore(accounts_db_path(settings.home), hasher=FAST)
    for name, role in (
        ("w1", "writer"),
        ("w2", "writer"),
        ("r1", "reviewer"),
        ("m1", "maintainer"),
        ("a1", "admin"),
    ):
        users.add(name, role, PASSWORD)
    return DraftingService(
        settings,
        users=users,
        reviews=ReviewStore(reviews_db_path(settings.home)),
        drafts=DraftStore(settings.drafts_db_path),
        knowledge_base=kb,
        chat=chat,
        prompts=prompt_library(settings),
        render_pages=lambda docx_path, out: [],
    )


@pytest.fixture
def service(settings, tmp_path) -> DraftingService:
    return _service(settings, tmp_path, kb=lambda: None)


@pytest.fixture
def sheet():
    return parse_facts_file(FACTS)


def _draft(service: DraftingService, sheet, user: str = "w1") -> str:
    ws = service.drafts.start_draft(user, sheet)
    events = list(service.generation.generate(user, ws.draft.id))
    assert events[-1].kind == "finished", events[-1].text
    return ws.draft.id


# ---------------------------------------------------------------- sign-in and permissions


def test_authenticate(service: DraftingService) -> None:
    assert service.access.authenticate("w1", PASSWORD)
    assert not service.access.authenticate("w1", "wrong")
    assert not service.access.authenticate("nobody", PASSWORD)


@pytest.mark.parametrize("role_user", ["r1", "m1"])
def test_only_writers_and_admins_start_drafts(service, sheet, role_user: str) -> None:
    with pytest.raises(ServiceError, match="无权起草"):
        service.drafts.start_draft(role_user, sheet)
    assert service.drafts.start_draft("a1", sheet).owner == "a1"


def test_unknown_user_is_refused(service, sheet) -> None:
    with pytest.raises(ServiceError, match="登录"):
        service.drafts.start_draft("ghost", sheet)
    with pytest.raises(ServiceError, match="登录"):
        service.drafts.list_drafts(None)


def test_writer_does_not_see_another_writers_draft(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    assert [d.id for d in service.drafts.list_drafts("w1")] == [did]
    assert service.drafts.list_drafts("w2") == []
    with pytest.raises(ServiceError, match="找不到"):
        service.drafts.open_draft("w2", did)
    with pytest.raises(ServiceError, match="找不到"):
        service.export.export_docx("w2", did)
    with pytest.raises(ServiceError, match="找不到"):
        service.editing.save_section("w2", did, "opening", "改写")


def test_sharing_gives_read_access_only(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    with pytest.raises(ServiceError, match="找不到"):
        service.drafts.share("w2", did, "w2")  # cannot grant oneself a draft one cannot see
    service.drafts.share("w1", did, "w2")
    assert [d.id for d in service.drafts.list_drafts("w2")] == [did]
    ws = service.drafts.open_draft("w2", did)
    assert not ws.can_edit
    with pytest.raises(ServiceError, match="不能修改"):
        service.editing.save_section("w2", did, "opening", "改写")
    with pytest.raises(ServiceError, match="不存在"):
        service.drafts.share("w1", did, "nobody")


def test_reviewer_sees_drafts_only_once_sent_for_review(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    assert service.drafts.list_drafts("r1") == [] and service.reviews.review_queue("r1") == []
    with pytest.raises(ServiceError, match="找不到"):
        service.drafts.open_draft("r1", did)
    service.reviews.submit("w1", did)
    assert [d.id for d in service.reviews.review_queue("r1")] == [did]
    assert service.drafts.open_draft("r1", did).review.status == "in_review"
    with pytest.raises(ServiceError, match="无权审核"):
        service.reviews.review_queue("w1")


# ---------------------------------------------------------------- facts


def test_facts_table_round_trip(service, sheet) -> None:
    rows = sheet_rows(sheet)
    assert rows[0][0] in ("开头", "工作")
    again = service.drafts.facts_from_rows(
        rows, kind=sheet.kind, org=sheet.org, period=sheet.period, next_period=sheet.next_period
    )
    assert [f.text for f in again.all_facts()] == [f.text for f in sheet.all_facts()]


def test_facts_table_errors_name_the_row(service) -> None:
    rows = [["工作", "培训", "举办培训班3期"], ["", "", ""], ["成果", "", "x"], ["问题", "", ""]]
    with pytest.raises(ServiceError) as exc:
        service.drafts.facts_from_rows(
            rows, kind="half-year", org="某局", period="2026年上半年", next_period=None
        )
    assert "第 3 行“部分”列" in str(exc.value) and "第 4 行“事实”列" in str(exc.value)
    with pytest.raises(ServiceError, match="为空"):
        service.drafts.facts_from_rows(
            [["", "", ""]], kind="half-year", org="某局", period="2026年上半年", next_period=None
        )


def test_facts_errors_name_the_field(service) -> None:
    with pytest.raises(ServiceError, match="org|单位"):
        service.drafts.facts_from_rows(
            [["工作", "", "举办培训班3期"]], kind="half-year", org="", period="2026年上半年", next_period=None
        )
    with pytest.raises(ServiceError, match="为空"):
        service.drafts.parse_facts_text(
            "   ", kind="half-year", org="某局", period="2026年上半年", next_period=None
        )
    parsed = service.drafts.parse_facts_text(
        "【工作】\n干部培训：举办培训班3期\n【问题】\n书记年龄偏大",
        kind="half-year",
        org="某局",
        period="2026年上半年",
        next_period=None,
    )
    assert [r[:2] for r in sheet_rows(parsed)] == [["工作", "干部培训"], ["问题", ""]]


def test_rows_to_mapping_groups_areas() -> None:
    mapping = rows_to_mapping(
        [["工作", "培训", "一"], ["工作", "培训", "二"], ["计划", "", "三"]],
        kind="half-year",
        org="某局",
        period="2026年上半年",
        next_period="2026年下半年",
    )
    assert mapping["parts"] == {
        "work": [{"area": "培训", "facts": ["一", "二"]}],
        "plans": [{"facts": ["三"]}],
    }
    assert mapping["next_period"] == "2026年下半年"


# ---------------------------------------------------------------- drafting, editing, versions


def test_composer_draft_versions_edit_and_flag(service, sheet) -> None:
    did = _draft(service, sheet)
    ws = service.drafts.open_draft("w1", did)
    assert [v.reason for v in ws.versions] == ["facts", "generate"]
    assert all(s.mode == "composer" for s in ws.draft.sections if s.paragraphs)
    key = next(s.key for s in ws.draft.sections if s.key.startswith("work:"))
    text = "\n".join(p.text for p in next(s for s in ws.draft.sections if s.key == key).paragraphs)

    flags = service.editing.check_section("w1", did, key, text + "\n全年新建党群服务中心987个。")
    assert any(f.kind == "unsupported_number" and "987" in f.text and f.section == key for f in flags)
    assert service.drafts.open_draft("w1", did).version == 2  # checking saves nothing

    saved = service.editing.save_section("w1", did, key, text + "\n全年新建党群服务中心987个。")
    assert saved.version == 3
    assert any(f.kind == "unsupported_number" and "987" in f.text for f in saved.flags)
    section = next(s for s in saved.sections if s.key == key)
    assert section.paragraphs[-1].text == "全年新建党群服务中心987个。"
    assert section.record.get("edited_by") == "w1"

    rows = service.editing.diff("w1", did, 2, 3)
    assert [r.kind for r in rows if r.kind != "same"] == ["added"]
    restored = service.editing.restore("w1", did, 2)
    assert restored.version == 4
    assert all("987" not in p.text for s in restored.sections for p in s.paragraphs)


def test_regenerate_one_section_leaves_the_others(service, sheet) -> None:
    did = _draft(service, sheet)
    before = service.drafts.open_draft("w1", did).draft
    key = "problems"
    events = list(service.generation.generate("w1", did, keys=[key]))
    assert events[-1].kind == "finished"
    after = service.drafts.open_draft("w1", did)
    assert after.versions[-1].reason == f"regenerate:{key}"
    for old, new in zip(before.sections, after.draft.sections, strict=True):
        if old.key != key:
            assert [p.text for p in old.paragraphs] == [p.text for p in new.paragraphs]


def test_part_header_sections_are_not_generated_alone(service, sheet) -> None:
    did = service.drafts.start_draft("w1", sheet).draft.id
    events = list(service.generation.generate("w1", did, keys=["work"]))
    assert [e.kind for e in events] == ["error"] and "部分标题" in events[0].text


def test_generation_through_the_stub_streams_and_labels_the_model(settings, tmp_path, sheet) -> None:
    with StubLLM(token_delay_s=0.001) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=10)
        service = _service(settings, tmp_path, chat=chat, kb=lambda: None)
        did = service.drafts.start_draft("w1", sheet).draft.id
        events = list(service.generation.generate("w1", did))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "finished", events[-1].text
    assert kinds.count("delta") > 10
    assert kinds.index("delta") < kinds.index("finished")
    draft = events[-1].draft
    assert {s.mode for s in draft.sections if s.key in {p.key for p in service.drafts.plan("w1", did)}} == {
        "llm:stub-model"
    }
    assert service.generation.mode_label() == "模型 stub-model"


def test_cancel_stops_generation_and_saves_nothing(settings, tmp_path, sheet) -> None:
    with StubLLM(token_delay_s=0.05) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=30)
        service = _service(settings, tmp_path, chat=chat, kb=lambda: None)
        did = service.drafts.start_draft("w1", sheet).draft.id
        seen: list[str] = []
        for event in service.generation.generate("w1", did, run_id="run-1"):
            seen.append(event.kind)
            if event.kind == "delta" and seen.count("delta") == 3:
                assert not service.generation.cancel("w2", "run-1")  # someone else's run: refused
                assert service.generation.cancel("w1", "run-1")
    assert seen[-1] == "cancelled"
    assert [v.reason for v in service.drafts.open_draft("w1", did).versions] == ["facts"]


def test_abandoned_stream_cancels_the_run(settings, tmp_path, sheet) -> None:
    with StubLLM(token_delay_s=0.05) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=30)
        service = _service(settings, tmp_path, chat=chat, kb=lambda: None)
        did = service.drafts.start_draft("w1", sheet).draft.id
        stream = service.generation.generate("w1", did, run_id="gone")
        assert next(e for e in stream if e.kind == "delta")
        stream.close()  # the browser tab went away
        assert "gone" not in service.generation.runs
    assert threading.active_count() < 50


def test_editing_is_blocked_while_in_review(service, sheet) -> None:
    did = _draft(service, sheet)
    service.reviews.submit("w1", did)
    with pytest.raises(ServiceError, match="审核中"):
        service.editing.save_section("w1", did, "opening", "改写")
    events = list(service.generation.generate("w1", did))
    assert events[-1].kind == "error" and "审核中" in events[-1].text


def test_export_contains_the_edited_text(service, sheet) -> None:
    did = _draft(service, sheet)
    service.editing.save_section("w1", did, "closing", "这是人工改写的结尾段落。")
    path = service.export.export_docx("w1", did)
    assert path.suffix == ".docx" and path.is_file()
    assert path.parent.parent == service.settings.exports_dir
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "这是人工改写的结尾段落。" in text
    other = service.export.export_docx("w1", did)
    assert other.parent != path.parent  # each export in its own unguessable folder


def test_preview_without_pages_explains(settings, tmp_path, sheet) -> None:
    from drafting.word.preview import PreviewError

    def broken(docx_path, out):
        raise PreviewError("未找到 LibreOffice")

    service = _service(settings, tmp_path, kb=lambda: None)
    service.export.render = broken
    did = _draft(service, sheet)
    preview = service.export.preview("w1", did)
    assert preview.pages == () and "LibreOffice" in preview.note


# ---------------------------------------------------------------- comments and review


def test_review_workflow(service, sheet) -> None:
    did = _draft(service, sheet)
    version = service.drafts.open_draft("w1", did).version
    with pytest.raises(ServiceError, match="找不到"):
        service.reviews.decide("r1", did, version, "approved")  # not sent: the reviewer cannot even see it
    service.reviews.submit("w1", did)
    comment = service.reviews.add_comment("r1", did, version, "opening", 0, "开头请写明时间节点")
    assert comment.quote and comment.status == "open"
    with pytest.raises(ServiceError, match="段落不存在"):
        service.reviews.add_comment("r1", did, version, "opening", 99, "x")
    assert [c.text for c in service.drafts.open_draft("w1", did).comments] == ["开头请写明时间节点"]
    with pytest.raises(ServiceError, match="原因"):
        service.reviews.decide("r1", did, version, "returned", "")
    service.reviews.decide("r1", did, version, "returned", "请补充数据来源")
    assert service.drafts.open_draft("w1", did).review.status == "returned"
    assert service.reviews.set_comment_status("w1", comment.id, "resolved").status == "resolved"
    with pytest.raises(ServiceError, match="找不到"):
        service.reviews.set_comment_status("w2", comment.id, "open")


def test_writer_cannot_approve_and_admin_cannot_approve_unsent(service, sheet) -> None:
    did = _draft(service, sheet)
    service.reviews.submit("w1", did)
    with pytest.raises(ServiceError, match="无权审核"):
        service.reviews.decide("w1", did, 2, "approved")
    assert service.reviews.decide("r1", did, 2, "approved").status == "approved"


def test_paragraph_sources_mark_the_shared_text(service, sheet) -> None:
    did = _draft(service, sheet)
    ws = service.drafts.open_draft("w1", did)
    section = next(s for s in ws.draft.sections if s.key.startswith("work:") and s.paragraphs)
    src = service.reviews.paragraph_sources("w1", did, ws.version, section.key, 0)
    assert src.facts, "a composed paragraph rests on its facts"
    match = src.facts[0]
    a, b = match.paragraph_spans[0]
    c, d = match.fact_spans[0]
    assert src.text[a:b] == match.fact.text[c:d]


# ---------------------------------------------------------------- knowledge base


@pytest.fixture
def kb_service(settings, tmp_path) -> DraftingService:
    kb = _kb(settings)
    return _service(settings, tmp_path, kb=kb)


def _upload(service: DraftingService, user: str, *names: str) -> list:
    return service.knowledge.ingest(user, [(n, REPORTS / n) for n in names])


def test_upload_search_remove(kb_service: DraftingService, tmp_path) -> None:
    files = sorted(p.name for p in REPORTS.iterdir() if p.suffix in {".txt", ".md", ".docx"})[:3]
    progress: list[tuple[float, str]] = []
    results = kb_service.knowledge.ingest(
        "w1", [(n, REPORTS / n) for n in files], progress=lambda f, m: progress.append((f, m))
    )
    assert [r.status for r in results] == ["新增"] * 3 and all(r.passages > 0 for r in results)
    assert progress and 0 <= progress[0][0] <= progress[-1][0] <= 1
    again = kb_service.knowledge.ingest("w1", [(files[0], REPORTS / files[0])])
    assert [r.status for r in again] == ["未变化"]
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"\x00\x01 not a pdf")
    mixed = kb_service.knowledge.ingest("w1", [("坏文件.pdf", bad), (files[1], REPORTS / files[1])])
    assert {r.status for r in mixed} == {"失败", "未变化"}
    assert next(r for r in mixed if r.status == "失败").reason

    docs = kb_service.knowledge.documents("r1")
    assert len(docs) == 3
    hits = kb_service.knowledge.search("w1", "工作", k=3)
    assert hits and len(hits) <= 3
    with pytest.raises(ServiceError, match="检索"):
        kb_service.knowledge.search("w1", "  ")
    aids = kb_service.knowledge.search_aids("w1", "卫健局明年打算怎么做")
    assert "卫生健康" in aids.related_words and aids.preferred_parts == ("plans",)
    assert kb_service.knowledge.search_aids("w1", "卫健局明年打算怎么做", part="plans").preferred_parts == ()
    doc = kb_service.knowledge.document("w1", docs[0].id)
    assert doc.cleaned_text

    with pytest.raises(ServiceError, match="删除知识库文件"):
        kb_service.knowledge.remove_document("w1", docs[0].id)
    kb_service.knowledge.remove_document("a1", docs[0].id)
    assert len(kb_service.knowledge.documents("a1")) == 2
    with pytest.raises(ServiceError, match="没有"):
        kb_service.knowledge.remove_document("a1", docs[0].id)


def test_upload_needs_files_and_a_sane_name(kb_service: DraftingService, tmp_path) -> None:
    with pytest.raises(ServiceError, match="选择"):
        kb_service.knowledge.ingest("w1", [])
    hidden = tmp_path / "x.txt"
    hidden.write_text("内容", encoding="utf-8")
    results = kb_service.knowledge.ingest("w1", [(".bashrc", hidden)])
    assert results[0].status == "失败" and "文件名" in results[0].reason


def test_exemplars_are_planned_pinned_and_dropped(kb_service: DraftingService, sheet) -> None:
    _upload(kb_service, "w1", *sorted(p.name for p in REPORTS.iterdir() if p.suffix in {".txt", ".md"})[:4])
    did = kb_service.drafts.start_draft("w1", sheet).draft.id
    plans = kb_service.drafts.plan("w1", did)
    with_hits = [p for p in plans if len(p.exemplars) >= 2]
    assert with_hits, "the corpus has past passages for some sections"
    plan = with_hits[0]
    first, second = plan.exemplars[0].passage.id, plan.exemplars[1].passage.id
    last = plan.exemplars[-1].passage.id
    choices = {plan.key: {"pinned": [last], "dropped": [first]}}
    events = list(kb_service.generation.generate("w1", did, choices=choices))
    assert events[-1].kind == "finished"
    used = next(s for s in events[-1].draft.sections if s.key == plan.key).record["passage_ids"]
    assert used[0] == last and first not in used and second in used


def test_chosen_exemplars_put_pins_first_and_drop() -> None:
    def passage(i: str) -> Passage:
        return Passage(i, "d", f"文本{i}", "s.txt", "t", None, None, None, "other", "work", "", 0, 1)

    class Fake:
        def __init__(self) -> None:
            self.filters: SearchFilters | None = None

        def search(self, query, filters=None, k=5):
            self.filters = filters = filters or SearchFilters()
            return [SearchHit(passage(i), 0.5) for i in ("a", "b", "c") if i not in filters.exclude_ids][:k]

        def get_passage(self, pid):
            return passage(pid)

    fake = Fake()
    chosen = ChosenExemplars(fake, {("q", "work"): ([passage("z")], {"a"})})
    hits = chosen.search("q", SearchFilters(part="work"), k=2)
    assert [h.passage.id for h in hits] == ["z", "b"]
    assert fake.filters is not None and fake.filters.exclude_ids == {"a", "z"}
    assert [h.passage.id for h in chosen.search("other", SearchFilters(part="work"), k=2)] == ["a", "b"]


# ---------------------------------------------------------------- prompt templates


def _prompts_copy(settings, tmp_path: Path) -> Path:
    """A copy of prompts/ as the source tree, so a regression cannot write into the real one."""
    import shutil

    copy = tmp_path / "source" / "prompts"
    shutil.copytree(settings.prompts_dir, copy)
    settings.prompts_dir = copy
    return copy


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


def test_only_maintainers_save_prompts_and_bad_ones_never_land(settings, tmp_path) -> None:
    _prompts_copy(settings, tmp_path)
    service = _service(settings, tmp_path, kb=lambda: None)
    name = next(iter(service.prompts.prompt_templates("w1")))
    versions = service.prompts.prompt_templates("w1")[name]
    source = service.prompts.prompt_source("w1", name)
    with pytest.raises(ServiceError, match="修改提示词"):
        service.prompts.save_prompt("w1", name, source)
    new = service.prompts.save_prompt("m1", name, source + "\n")
    assert new == f"v{len(versions) + 1}" and service.prompts.prompt_templates("m1")[name][-1] == new
    with pytest.raises(ServiceError):
        service.prompts.save_prompt("m1", name, source + "\n{{ not_declared_anywhere }}\n")
    assert service.prompts.prompt_templates("m1")[name][-1] == new
    assert not list((settings.saved_templates_dir / name).glob(".*"))  # no staging file left behind


def test_a_saved_prompt_goes_under_home_and_the_pipeline_uses_it(settings, tmp_path, sheet) -> None:
    from drafting.writing.pipeline import build_pipeline

    prompts = _prompts_copy(settings, tmp_path)
    before = _snapshot(prompts)
    service = _service(settings, tmp_path, kb=lambda: None)
    source = service.prompts.prompt_source("m1", "section")
    edited = source.replace("## system\n", "## system\n【网页保存的测试版本】\n", 1)
    assert edited != source

    new = service.prompts.save_prompt("m1", "section", edited)

    assert _snapshot(prompts) == before  # the source tree is byte-for-byte what it was
    saved = settings.home / "prompts" / "templates" / "section" / f"{new}.md"
    assert saved.is_file() and "【网页保存的测试版本】" in saved.read_text(encoding="utf-8")
    listing = service.prompts.prompt_versions("w1", "section")
    assert listing[-1].version == new and [v.saved for v in listing] == [False] * (len(listing) - 1) + [True]
    assert listing[-1].path == saved and listing[-2].path.is_relative_to(prompts)
    assert "【网页保存的测试版本】" in service.prompts.prompt_source("w1", "section", new)
    assert service.prompts.prompt_source("w1", "section", listing[-2].version) == source

    # A pipeline built from the same settings (as `drafter draft` builds it) drafts with the saved version.
    pipeline = build_pipeline(settings, chat=None, store=None)
    outline, specs = pipeline.plan(sheet)
    messages, version = pipeline.build_prompt(specs[0], sheet, outline, [])
    assert version == new and "【网页保存的测试版本】" in messages[0]["content"]


def test_saved_versions_number_on_across_prompts_and_home(settings, tmp_path, caplog) -> None:
    prompts = _prompts_copy(settings, tmp_path)
    for later in (prompts / "templates" / "section").glob("v*.md"):
        if later.name != "v1.md":  # numbering below starts from a source tree holding v1 only
            later.unlink()
    service = _service(settings, tmp_path, kb=lambda: None)
    source = service.prompts.prompt_source("m1", "section", "v1")
    assert service.prompts.save_prompt("m1", "section", source) == "v2"
    # A maintainer commits v3 by hand: the next save goes above it, into the data directory.
    committed = with_front_matter_version(source, "v3").replace("## system\n", "## system\n提交的v3\n", 1)
    (prompts / "templates" / "section" / "v3.md").write_text(committed, encoding="utf-8")
    assert service.prompts.save_prompt("m1", "section", source) == "v4"
    assert [(v.version, v.saved) for v in service.prompts.prompt_versions("m1", "section")] == [
        ("v1", False),
        ("v2", True),
        ("v3", False),
        ("v4", True),
    ]
    # Then the maintainer commits the saved v4 under the same number, edited: prompts/ wins, with a warning.
    promoted = committed.replace("version: v3", "version: v4").replace("提交的v3", "提交的v4")
    (prompts / "templates" / "section" / "v4.md").write_text(promoted, encoding="utf-8")
    with caplog.at_level("WARNING", logger="drafting.writing.templates"):
        listing = service.prompts.prompt_versions("m1", "section")
        assert "提交的v4" in service.prompts.prompt_source("m1", "section")
    assert (listing[-1].version, listing[-1].saved) == ("v4", False)
    assert listing[-1].path == prompts / "templates" / "section" / "v4.md"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and str(settings.saved_templates_dir / "section" / "v4.md") in warnings[0]
    assert service.prompts.save_prompt("m1", "section", source) == "v5"


def test_front_matter_version_is_rewritten() -> None:
    text = "---\ndescription: x\nversion: v1\nvariables: []\n---\n## user\nhi\n"
    assert with_front_matter_version(text, "v7").startswith("---\nversion: v7\ndescription: x\n")
    with pytest.raises(ServiceError, match="YAML"):
        with_front_matter_version("no front matter", "v2")


# ---------------------------------------------------------------- pure helpers


def test_matching_spans_and_diff() -> None:
    spans = matching_spans("今年举办科级干部培训班3期", "举办科级干部培训班3期，培训180人次")
    assert spans == [(2, 13, 0, 11)]
    assert matching_spans("", "x") == [] and matching_spans("的和", "的和", min_chars=4) == []

    from drafting.model import Draft, Paragraph, Section

    def draft(*texts: str) -> Draft:
        return Draft(
            "标题",
            "half-year",
            "某局",
            "2026年上半年",
            sections=[Section("work:0", "work", "", 2, [Paragraph(t) for t in texts])],
        )

    rows = diff_drafts(draft("甲乙丙", "丁戊"), draft("甲乙丙丁", "丁戊", "新段"))
    assert [r.kind for r in rows] == ["same", "changed", "same", "added"]
    assert ("+", "丁") in rows[1].segments


def test_shared_knowledge_base_keeps_searches_out_of_an_ingest() -> None:
    from drafting.service.shared_knowledge import SharedKnowledgeBase

    ingesting, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    class Fake:
        busy = False

        def ingest(self, paths, progress=None):
            self.busy = True
            ingesting.set()
            release.wait(30)
            self.busy = False
            return "report"

        def search(self, query, filters=None, k=5):
            seen.append(self.busy)
            return []

    shared = SharedKnowledgeBase(Fake())
    writer = threading.Thread(target=shared.ingest, args=([],))
    writer.start()
    assert ingesting.wait(30)
    reader = threading.Thread(target=shared.search, args=("q",))
    reader.start()
    while not shared._lock._waiters:  # the search is parked on the lock, not running
        threading.Event().wait(0.01)
    assert seen == []
    release.set()
    writer.join(30)
    reader.join(30)
    assert seen == [False]
