"""Preambles, closing offers and refusals, in Chinese and English, found by the rules file's phrases."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.normalising.courtesy import refusal, strip_closing, strip_preamble
from drafting.normalising.rules import RulesError, default_rules, load_rules

RULES = default_rules()


@pytest.mark.parametrize(
    ("answer", "removed"),
    [
        (
            "好的，以下是“干部教育培训”部分的正文：\n\n举办培训班3期。",
            "好的，以下是“干部教育培训”部分的正文：",
        ),
        (
            "Sure! Here is the section you asked for:\n举办培训班3期。",
            "Sure! Here is the section you asked for:",
        ),
        ("好的，以下是正文：举办培训班3期。", "好的，以下是正文："),
        ("**当然可以。**\n\n举办培训班3期。", "**当然可以。**"),
        ("Certainly.\n举办培训班3期。", "Certainly."),
    ],
)
def test_preambles_go(answer, removed):
    text, removals = strip_preamble(answer, RULES)
    assert text.strip() == "举办培训班3期。"
    assert [(r.reason, r.text) for r in removals] == [("preamble", removed)]


def test_official_openings_are_not_preambles():
    for answer in (
        "现将有关情况报告如下：\n一是……",
        "以下是正文",
        "上半年，在区委的坚强领导下，举办培训班3期。",
    ):
        assert strip_preamble(answer, RULES) == (answer, [])


def test_closing_offers_go_as_lines_or_as_trailing_sentences():
    answer = (
        "举办培训班3期。\n\n---\n以上内容可根据实际情况进一步修改完善。\n"
        "希望以上内容对您有所帮助！如需调整，请随时告诉我。"
    )
    text, removals = strip_closing(answer, RULES)
    assert text == "举办培训班3期。"
    assert [r.text for r in removals] == [
        "---",
        "以上内容可根据实际情况进一步修改完善。",
        "希望以上内容对您有所帮助！",
        "如需调整，请随时告诉我。",
    ]
    text, removals = strip_closing("举办培训班3期。Let me know if you need any changes!", RULES)
    assert text == "举办培训班3期。" and removals[0].text == "Let me know if you need any changes!"


def test_a_closing_phrase_inside_the_body_stays():
    answer = "如需调整的事项，由办公室统一协调。\n举办培训班3期。"
    assert strip_closing(answer, RULES) == (answer, [])


@pytest.mark.parametrize(
    "answer",
    ["抱歉，我无法协助完成这个请求。", "I'm sorry, but I can't help with that.", "I can't help with that."],
)
def test_refusals_are_recognised(answer):
    assert refusal(answer, RULES) is not None


def test_a_long_answer_mentioning_a_refusal_phrase_is_not_a_refusal():
    assert refusal("抱歉，我无法" + "举办培训班3期，培训180人次。" * 20, RULES) is None
    assert refusal("举办培训班3期。", RULES) is None


def test_the_rules_file_is_checked_with_a_clear_message(tmp_path: Path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("preamble_starts: []\n", encoding="utf-8")
    with pytest.raises(RulesError, match="preamble_starts"):
        load_rules(bad)
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(tmp_path / "absent.yaml")


def test_an_edited_rules_file_changes_what_is_removed(tmp_path: Path):
    source = Path(__file__).resolve().parents[3] / "prompts" / "normalising" / "answer_habits.yaml"
    edited = tmp_path / "rules.yaml"
    edited.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    text = edited.read_text(encoding="utf-8").replace("  - 好的\n", "  - 好的\n  - 遵照指示\n")
    edited.write_text(text, encoding="utf-8")
    rules = load_rules(edited)
    assert strip_preamble("遵照指示，正文如下：\n举办培训班3期。", rules)[0].strip() == "举办培训班3期。"
