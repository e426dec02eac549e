"""What normalisation did, as the writer and the reviewer read it under a section."""

from __future__ import annotations

from drafting.model import Removal, Section
from drafting.normalising.report import removals_note


def section(removals, finish=None) -> Section:
    s = Section("work:0", "work", "（一）干部教育培训", 2, removals=removals)
    if finish:
        s.record["finish"] = finish
    return s


def test_nothing_removed_says_nothing():
    assert removals_note(section([])) == ""


def test_removals_by_habit_with_the_first_dropped_texts():
    note = removals_note(
        section(
            [
                Removal("reasoning", "<think>用户让我起草这一节，事实有三条</think>"),
                Removal("preamble", "好的，以下是正文："),
                Removal("list_item", "1. 举办培训班3期", "一是举办培训班3期；"),
                Removal("list_item", "2. 开设讲堂6期", "二是开设讲堂6期。"),
                Removal("fullwidth_digits", "３", "3"),
            ]
        )
    )
    assert note == (
        "整理模型回答，删改 5 处：推理过程 1 处（“用户让我起草这一节，事实有三条”）；"
        "开头客套话 1 处（“好的，以下是正文：”）；列表改为正文 2 处；全角数字 1 处。"
    )


def test_a_cut_off_answer_is_mentioned_first():
    assert (
        removals_note(section([], {"truncated": True, "complete": True}))
        == "模型回答因长度限制中断，已续写完整。"
    )
    note = removals_note(
        section([Removal("truncated_tail", "另外还")], {"truncated": True, "complete": False})
    )
    assert note.startswith(
        "模型回答因长度限制中断，续写后仍不完整，已删去末尾半句。整理模型回答，删改 1 处：截断的半句"
    )
