"""The writer and the reviewer see, under a model-written section, what normalisation removed from
the answer and whether the section was repaired or replaced, and why (drafted for real through the
habits fake and the repair loop; rendered by the same functions the pages use)."""

from __future__ import annotations

from drafting.facts.sheet import parse_facts_mapping
from drafting.service.facade import section_notes
from drafting.writing.chat import OpenAIChatModel
from drafting.writing.habits_llm import (
    HabitsResponder,
    Turn,
    closing_offer,
    numbered_list,
    preamble_zh,
    reasoning,
)
from drafting.writing.pipeline import DraftingPipeline
from drafting.writing.stub_llm import StubLLM, facts_responder
from drafting.writing.templates import PromptLibrary
from ui import render

FACTS = {
    "kind": "half-year",
    "org": "云溪区委组织部",
    "period": "2026年上半年",
    "parts": {
        "work": [
            {"area": "干部教育培训", "facts": ["举办科级干部培训班3期，培训180人次", "开设“云溪讲堂”6期"]},
            {"area": "基层组织建设", "facts": ["排查整顿软弱涣散村党组织5个"]},
        ]
    },
}


def responder():
    habits = HabitsResponder([Turn((numbered_list, preamble_zh, reasoning, closing_offer))])

    def answer(messages):
        content = messages[-1]["content"]
        if "本节所写方面：干部教育培训" in content:
            return habits(messages)
        if "本节所写方面：基层组织建设" in content:
            return facts_responder(messages) + "完成投资1亿元。"  # invented, on every attempt
        return facts_responder(messages)

    return answer


def test_notes_say_what_was_removed_and_what_repair_did(settings):
    with StubLLM(responder=responder()) as stub:
        pipeline = DraftingPipeline(
            outlines_dir=settings.outlines_dir,
            prompts=PromptLibrary(settings.templates_dir),
            chat=OpenAIChatModel(base_url=stub.base_url, model="m", max_retries=0, timeout_s=10),
            repair_attempts=1,
        )
        draft = pipeline.run(parse_facts_mapping(FACTS))
    cleaned = next(s for s in draft.sections if s.key == "work:0")
    replaced = next(s for s in draft.sections if s.key == "work:1")

    (note,) = section_notes(cleaned)
    assert note.startswith("整理模型回答，删改 ")
    for label in ("推理过程 1 处", "开头客套话 1 处（“好的，以下是", "结尾客套话", "列表改为正文 2 处"):
        assert label in note
    (why,) = section_notes(replaced)  # the model's text is gone, and with it what was removed from it
    assert "本部分已换成离线模板稿" in why and "无出处的数字" in why

    page = render.draft_html(draft)
    # One note per note of every section (the stub's fact-less sections, bare placeholders, were
    # replaced by the composer's text and say so too).
    assert page.count('class="doc-repair"') == sum(len(section_notes(s)) for s in draft.sections)
    assert "推理过程 1 处" in page and "离线模板稿" in page
    # The print preview leaves the notes out (they are for the writer and the reviewer, not the page).
    assert 'class="doc-page no-modes' in render.draft_html(draft, show_modes=False)
