"""Drafts that correct themselves, through the real openai client against the local stub endpoint:
the stub invents (a number, a copied past sentence, a dropped fact) and fixes when asked again."""

from __future__ import annotations

import pytest

from drafting.facts.sheet import parse_facts_mapping
from drafting.outlines.outline import get_outline
from drafting.outlines.planning import plan_sections
from drafting.writing.chat import OpenAIChatModel
from drafting.writing.composer import compose_section
from drafting.writing.pipeline import DraftingListener, DraftingPipeline
from drafting.writing.repair import repair_note
from drafting.writing.stub_llm import StubLLM, facts_responder
from drafting.writing.templates import PromptLibrary
from retrieval.documents import Passage, SearchFilters, SearchHit

FACTS = {
    "kind": "half-year",
    "org": "云溪区委组织部",
    "period": "2026年上半年",
    "parts": {
        "opening": [{"facts": ["年初确定的28项重点任务中，已完成19项"]}],
        "work": [
            {"area": "干部教育培训", "facts": ["举办科级干部培训班3期，培训180人次", "开设“云溪讲堂”6期"]},
            {"area": "基层组织建设", "facts": ["排查整顿软弱涣散村党组织5个"]},
        ],
        "problems": [{"facts": ["村党组织书记年龄结构偏大"]}],
        "plans": [{"area": "人才工作", "facts": ["建立引进人才定期回访制度"]}],
    },
}
INVENTED = "完成各类项目100个，完成投资1亿元。"
PAST = (
    "二〇二五年，青川区委组织部举办“红色引擎”培训班12期。"
    "坚持把干部教育培训作为基础性工程，分层分类举办专题培训班，切实提升干部履职能力。"
)
COPIED = "坚持把干部教育培训作为基础性工程，分层分类举办专题培训班，切实提升干部履职能力。"


def is_repair(messages) -> bool:
    return "【核对发现的问题】" in messages[-1]["content"]


def is_section(messages, area: str) -> bool:
    return f"本节所写方面：{area}" in messages[-1]["content"]


class PastReports:
    """One past passage for the work part (a real Passage, as the knowledge base returns it)."""

    passage = Passage(
        id="past:1", doc_id="past", text=PAST, source="2025-青川-总结.txt", title="青川区委组织部2025年工作总结",
        period="2025年", year=2025, org="青川区委组织部", kind="year-end", part="work", heading="", start=0,
        end=len(PAST),
    )  # fmt: skip

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 5) -> list[SearchHit]:
        return [SearchHit(self.passage, 1.0)] if filters and filters.part == "work" else []


class Repairs(DraftingListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, int, list[str]]] = []

    def on_section_repair(self, key, attempt, problems):
        self.seen.append((key, attempt, problems))


def run(settings, responder, *, attempts=2, kb=None, listener=None):
    sheet = parse_facts_mapping(FACTS)
    with StubLLM(responder=responder) as stub:
        chat = OpenAIChatModel(base_url=stub.base_url, model=stub.model, max_retries=0, timeout_s=10)
        pipeline = DraftingPipeline(
            outlines_dir=settings.outlines_dir,
            prompts=PromptLibrary(settings.templates_dir),
            chat=chat,
            knowledge_base=kb,
            concurrency=2,
            repair_attempts=attempts,
        )
        draft = pipeline.run(sheet, listener=listener)
        requests = stub.chat_requests
    return sheet, draft, requests


def section(draft, key):
    return next(s for s in draft.sections if s.key == key)


def composed(settings, sheet, key: str) -> list[str]:
    """The composer's paragraphs for one section: what a replaced section must hold."""
    outline = get_outline(settings.outlines_dir, sheet.kind)
    spec = next(s for s in plan_sections(outline, sheet) if s.key == key)
    return [p.text for p in compose_section(spec, sheet, outline)]


def text_of(sec) -> str:
    return "".join(p.text for p in sec.paragraphs)


def test_an_invented_number_is_listed_and_the_fixed_answer_kept(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return facts_responder(messages) + INVENTED
        return facts_responder(messages)

    listener = Repairs()
    _, draft, requests = run(settings, responder, listener=listener)
    work0 = section(draft, "work:0")
    assert "1亿元" not in text_of(work0) and "举办科级干部培训班3期" in text_of(work0)
    repair = work0.record["repair"]
    assert repair["outcome"] == "repaired" and repair["chosen"] == 1
    first, second = repair["attempts"]
    assert {"unsupported_number"} <= {f["kind"] for f in first["flags"]}
    assert any(f["text"] == "1亿元" for f in first["flags"])
    assert second["flags"] == [] and second["template_version"] == "v1"
    # The repair request quoted the previous answer and listed what the check found.
    (asked,) = [r for r in requests if is_repair(r.messages)]
    user = asked.messages[-1]["content"]
    assert INVENTED in user and "无出处的数字：“1亿元”" in user and "[work.0.0]" in user
    assert listener.seen == [("work:0", 1, ["无出处的数字"])]
    assert not [f for f in draft.flags if f.kind == "unsupported_number"]
    # Sections the check passed were asked once and say so.
    assert section(draft, "work:1").record["repair"]["outcome"] == "clean"
    assert len(requests) == 7  # 6 sections + 1 repair
    assert repair_note(work0) == "核对发现无出处的数字，已请模型按核对意见重写（1 次），现已通过核对。"
    assert repair_note(section(draft, "work:1")) == ""


def test_a_number_never_fixed_gets_the_composers_text_marked_as_such(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训"):
            return facts_responder(messages) + INVENTED  # the model keeps inventing
        return facts_responder(messages)

    sheet, draft, requests = run(settings, responder, attempts=2)
    work0 = section(draft, "work:0")
    assert [p.text for p in work0.paragraphs] == composed(settings, sheet, "work:0")
    assert work0.mode == "composer"
    repair = work0.record["repair"]
    assert repair["outcome"] == "replaced" and repair["reasons"] == ["无出处的数字"]
    assert len(repair["attempts"]) == 3  # the first answer and two repairs, each with its flags
    assert all(any(f["text"] == "1亿元" for f in a["flags"]) for a in repair["attempts"])
    assert sum(is_section(r.messages, "干部教育培训") for r in requests) == 3
    assert "1亿元" not in text_of(work0)
    assert not [f for f in draft.flags if f.kind == "unsupported_number"]
    assert "本部分已换成离线模板稿" in repair_note(work0) and "无出处的数字" in repair_note(work0)


def test_zero_attempts_keeps_todays_behaviour(settings):
    def responder(messages):
        extra = INVENTED if is_section(messages, "干部教育培训") else ""
        return facts_responder(messages) + extra

    _, draft, requests = run(settings, responder, attempts=0)
    assert len(requests) == 6
    work0 = section(draft, "work:0")
    assert "1亿元" in text_of(work0) and "repair" not in work0.record
    assert any(f.kind == "unsupported_number" and f.text == "1亿元" for f in draft.flags)


def test_a_copied_past_sentence_is_rewritten_and_the_prompt_showed_only_masked_style(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return COPIED + facts_responder(messages)
        return facts_responder(messages)

    _, draft, requests = run(settings, responder, kb=PastReports())
    work0 = section(draft, "work:0")
    first = work0.record["repair"]["attempts"][0]
    assert any(f["kind"] == "verbatim_copy" and f["detail"] == "past:1" for f in first["flags"])
    assert work0.record["repair"]["outcome"] == "repaired" and COPIED not in text_of(work0)
    assert not [f for f in draft.flags if f.kind == "verbatim_copy"]
    # The model saw the past passage as style: its figures, name and quoted title masked.
    shown = next(r for r in requests if is_section(r.messages, "干部教育培训")).messages[-1]["content"]
    assert "<参考材料" in shown and "××" in shown
    for detail in ("12期", "青川区委组织部", "红色引擎", "二〇二五年"):
        assert detail not in shown
    assert work0.record["passage_ids"] == ["past:1"]


def test_a_dropped_fact_is_asked_for_again(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return "举办科级干部培训班3期，培训180人次。"  # drops “云溪讲堂”
        return facts_responder(messages)

    _, draft, _ = run(settings, responder)
    work0 = section(draft, "work:0")
    assert work0.record["repair"]["attempts"][0]["flags"][0]["kind"] == "unused_fact"
    assert "开设“云溪讲堂”6期" in text_of(work0)
    assert work0.record["repair"]["outcome"] == "repaired"


def test_a_fact_the_model_never_writes_is_added_from_the_facts_and_named(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训"):
            return "举办科级干部培训班3期，培训180人次。"  # drops “云溪讲堂” however often asked
        return facts_responder(messages)

    sheet, draft, requests = run(settings, responder, attempts=2)
    work0 = section(draft, "work:0")
    repair = work0.record["repair"]
    assert len(repair["attempts"]) == 3 and repair["outcome"] == "unresolved"
    assert sum(is_section(r.messages, "干部教育培训") for r in requests) == 3
    lecture = next(f for f in sheet.parts["work"][0].facts if "云溪讲堂" in f.text)
    assert repair["added_facts"] == [lecture.id]
    assert work0.paragraphs[0].text == "举办科级干部培训班3期，培训180人次。"  # the model's text kept
    assert work0.paragraphs[-1].text == "开设“云溪讲堂”6期。" and work0.paragraphs[-1].fact_ids == [
        lecture.id
    ]
    assert work0.mode != "composer"
    assert not [f for f in draft.flags if f.kind == "unused_fact"]
    note = repair_note(work0)
    assert "其余问题已改正" in note and "漏写的 1 条事实已按原文补在本部分末尾" in note


@pytest.mark.parametrize(
    "answer",
    [
        "[待补充：2026年下半年人才工作安排]",  # a real model's habit on a thin section
        "一是【待补充：人才工作安排】\n二是【待补充：具体举措】",  # the same, as points
    ],
)
def test_a_section_left_as_a_placeholder_gets_the_composers_text(settings, answer):
    def responder(messages):
        if is_section(messages, "人才工作"):
            return answer
        return facts_responder(messages)

    sheet, draft, _ = run(settings, responder, attempts=2)
    plans = section(draft, "plans:0")
    assert [p.text for p in plans.paragraphs] == composed(settings, sheet, "plans:0")
    assert "建立引进人才定期回访制度" in text_of(plans) and "待补充" not in text_of(plans)
    assert plans.mode == "composer" and plans.record["repair"]["reasons"] == ["只有待补充占位"]
    assert "只写了“待补充”占位" in repair_note(plans)


def test_a_failed_repair_request_keeps_the_best_answer_so_far(settings):
    calls = {"n": 0}

    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return "举办科级干部培训班3期，培训180人次。"
        if is_repair(messages):
            calls["n"] += 1
            return "【待补充：本部分内容】" if calls["n"] == 1 else facts_responder(messages)
        return facts_responder(messages)

    _, draft, _ = run(settings, responder, attempts=2)
    repair = section(draft, "work:0").record["repair"]
    # attempt 1 dropped both facts (worse), attempt 2 fixed it: the best attempt wins, not the last bad one.
    assert [len(a["flags"]) for a in repair["attempts"]] == [1, 2, 0]
    assert repair["chosen"] == 2 and repair["outcome"] == "repaired"


def test_an_endpoint_error_during_repair_costs_only_that_attempt(settings):
    state = {"first": True}

    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return facts_responder(messages) + INVENTED
        if is_repair(messages) and state["first"]:
            state["first"] = False
            raise RuntimeError("endpoint broke")  # the stub answers 500
        return facts_responder(messages)

    _, draft, _ = run(settings, responder, attempts=2)
    repair = section(draft, "work:0").record["repair"]
    assert repair["attempts"][1]["error"] and repair["attempts"][2]["flags"] == []
    assert repair["outcome"] == "repaired" and repair["chosen"] == 2


def test_every_attempt_is_normalised_and_the_section_keeps_the_kept_attempts_removals(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return (
                "<think>先列事实。</think>好的，以下是本部分正文：\n\n" + facts_responder(messages) + INVENTED
            )
        if is_repair(messages):
            # The repair answer has habits of its own; the check must see them already removed.
            return (
                "Sure! Here is the revised section:\n\n"
                + facts_responder(messages)
                + "\n\n希望以上内容对您有所帮助！"
            )
        return facts_responder(messages)

    _, draft, _ = run(settings, responder, attempts=1)
    work0 = section(draft, "work:0")
    repair = work0.record["repair"]
    assert repair["outcome"] == "repaired" and repair["chosen"] == 1
    first, second = repair["attempts"]
    assert {r["reason"] for r in first["removals"]} == {"reasoning", "preamble"}
    assert {r["reason"] for r in second["removals"]} == {"preamble", "closing"}
    assert second["flags"] == []  # the English preamble and the closing offer were not flagged
    assert [(r.reason, r.text) for r in work0.removals] == [
        (r["reason"], r["text"]) for r in second["removals"]
    ]
    text = text_of(work0)
    assert "Sure" not in text and "希望以上内容" not in text and "先列事实" not in text


def test_a_refusing_repair_costs_only_that_attempt(settings):
    def responder(messages):
        if is_section(messages, "干部教育培训") and not is_repair(messages):
            return facts_responder(messages) + INVENTED
        if is_repair(messages):
            return "抱歉，我无法协助完成这个请求。"
        return facts_responder(messages)

    _, draft, _ = run(settings, responder, attempts=1)
    work0 = section(draft, "work:0")
    repair = work0.record["repair"]
    assert "拒绝" in repair["attempts"][1]["error"]
    assert repair["outcome"] == "replaced" and work0.mode == "composer" and work0.removals == []
