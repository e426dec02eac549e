"""Generation runs: the offline composer, the stub model through the real OpenAI adapter, one section
at a time, cancelling, and the writer's pinned and dropped exemplars."""

from __future__ import annotations

import threading

from service_fixtures import REPORTS, make_service, upload, write_draft

from drafting.service.facade import DraftingService
from drafting.service.generation import ChosenExemplars
from drafting.writing.chat import OpenAIChatModel
from drafting.writing.stub_llm import StubLLM
from retrieval.documents import Passage, SearchFilters, SearchHit


def test_regenerate_one_section_leaves_the_others(service, sheet) -> None:
    did = write_draft(service, sheet)
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
        service = make_service(settings, tmp_path, chat=chat, kb=lambda: None)
        did = service.drafts.start_draft("w1", sheet).draft.id
        events = list(service.generation.generate("w1", did))
    kinds = [e.kind for e in events]
    assert kinds[-1] == "finished", events[-1].text
    assert kinds.count("delta") > 10
    assert kinds.index("delta") < kinds.index("finished")
    draft = events[-1].draft
    planned = {p.key for p in service.drafts.plan("w1", did)}
    # The stub's bare placeholder for the fact-less closing is replaced by the composer's closing.
    modes = {s.key: s.mode for s in draft.sections if s.key in planned}
    assert modes.pop("closing") == "composer" and set(modes.values()) == {"llm:stub-model"}
    assert service.generation.mode_label() == "模型 stub-model"


def test_cancel_stops_generation_and_saves_nothing(settings, tmp_path, sheet) -> None:
    with StubLLM(token_delay_s=0.05) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=30)
        service = make_service(settings, tmp_path, chat=chat, kb=lambda: None)
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
        service = make_service(settings, tmp_path, chat=chat, kb=lambda: None)
        did = service.drafts.start_draft("w1", sheet).draft.id
        stream = service.generation.generate("w1", did, run_id="gone")
        assert next(e for e in stream if e.kind == "delta")
        stream.close()  # the browser tab went away
        assert "gone" not in service.generation.runs
    assert threading.active_count() < 50


def test_exemplars_are_planned_pinned_and_dropped(kb_service: DraftingService, sheet) -> None:
    upload(kb_service, "w1", *sorted(p.name for p in REPORTS.iterdir() if p.suffix in {".txt", ".md"})[:4])
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
